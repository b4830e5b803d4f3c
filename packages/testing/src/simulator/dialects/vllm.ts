import { JSON_HEADERS, type HttpReply, type SimError } from '../sim-error.ts';
import { MODEL_CREATED, type DialectDefinition } from './dialect.ts';
import { openaiDialect } from './openai.ts';

/** What vLLM answers to `tool_choice: "auto"` when it runs without the tool flags. */
export const VLLM_AUTO_TOOL_CHOICE_MESSAGE = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set';

/** vLLM's type names for error statuses (its `type` field names the Python exception). */
export function vllmErrorType(status: number): string {
  if (status === 401) return 'Unauthorized';
  if (status === 404) return 'NotFoundError';
  if (status >= 500) return 'InternalServerError';
  return 'BadRequestError';
}

function vllmErrorReply(error: SimError): HttpReply {
  const body = { error: { message: error.message, type: vllmErrorType(error.status), param: error.field ?? null, code: error.status } };
  return { status: error.status, headers: { ...JSON_HEADERS, ...error.headers }, body: JSON.stringify(body) };
}

/** The server runs without `--enable-auto-tool-choice`: `tool_choice: "auto"` is a 400. */
function refuseAutoToolChoice(kind: 'chat' | 'embeddings', body: Record<string, unknown>): SimError | undefined {
  if (kind !== 'chat' || body.tool_choice !== 'auto') return undefined;
  return { status: 400, message: VLLM_AUTO_TOOL_CHOICE_MESSAGE, type: 'BadRequestError', field: 'tool_choice' };
}

/**
 * vLLM 0.10.1 and later: `{"error": {message, type, param, code}}` with the status as `code`,
 * before and inside streams; `reasoning_content` with a reasoning parser; usage in streams only
 * with `stream_options.include_usage`; no key unless started with `--api-key`.
 */
export const vllmDialect: DialectDefinition = {
  ...openaiDialect,
  name: 'vllm',
  basePaths: ['/vllm/v1'],
  bearerRequired: false,
  sampleModels: ['Qwen/Qwen2.5-7B-Instruct', 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B'],
  stream: {
    ...openaiDialect.stream,
    errorEvent: (code, message) => ({ error: { message, type: vllmErrorType(Number(code)), param: null, code } }),
  },
  completionId: (sequence) => `chatcmpl-vllm${sequence}`,
  modelEntry: (id) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'vllm', root: id, parent: null, max_model_len: 32768 }),
  errorReply: vllmErrorReply,
  refuse: refuseAutoToolChoice,
};
