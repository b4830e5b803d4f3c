import { JSON_HEADERS, type HttpReply, type SimError } from '../sim-error.ts';
import { MODEL_CREATED, type DialectDefinition } from './dialect.ts';
import { openaiDialect } from './openai.ts';

/** Ollama answers errors as a flat `{"error": "..."}`, before a stream and inside one. */
function ollamaErrorReply(error: SimError): HttpReply {
  return { status: error.status, headers: { ...JSON_HEADERS, ...error.headers }, body: JSON.stringify({ error: error.message }) };
}

/** Its `/v1/embeddings` takes one string per request: an array is a decoding error. */
function refuseArrays(kind: 'chat' | 'embeddings', body: Record<string, unknown>): SimError | undefined {
  if (kind !== 'embeddings' || !Array.isArray(body.input)) return undefined;
  return {
    status: 400,
    message: 'json: cannot unmarshal array into Go struct field EmbedRequest.input of type string',
    type: 'invalid_request_error',
    field: 'input',
  };
}

/**
 * Ollama's OpenAI API (`/v1`) beside its native one (`/api/tags`): no key needed, flat errors,
 * errors inside a 200 stream, string-only embedding input. It ignores `tool_choice` (not supported).
 */
export const ollamaDialect: DialectDefinition = {
  ...openaiDialect,
  name: 'ollama',
  basePaths: ['/ollama/v1', '/ollama'],
  bearerRequired: false,
  extraRoutes: ['tags'],
  sampleModels: ['llama3.2:3b', 'qwen2.5:7b', 'nomic-embed-text:latest'],
  stream: {
    separateRoleChunk: false,
    roleInEveryDelta: true,
    omitNullFinishReason: false,
    usage: 'requested',
    usageChoices: 'empty',
    keepalive: false,
    errorEvent: (_code, message) => ({ error: message }),
  },
  completionId: (sequence) => `chatcmpl-${sequence}`,
  modelEntry: (id) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'library' }),
  errorReply: ollamaErrorReply,
  refuse: refuseArrays,
};
