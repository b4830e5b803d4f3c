import { JSON_HEADERS, type HttpReply, type SimError } from '../sim-error.ts';
import { MODEL_CREATED, type DialectDefinition } from './dialect.ts';
import { openaiDialect } from './openai.ts';

/** mlx_lm.server answers errors as `{"error": "..."}`. */
function mlxLmErrorReply(error: SimError): HttpReply {
  return { status: error.status, headers: { ...JSON_HEADERS, ...error.headers }, body: JSON.stringify({ error: error.message }) };
}

/** mlx_lm.server: keep-alive comments while the prompt is processed, `/health`, no embeddings, `reasoning` deltas, whole tool calls. */
export const mlxLmDialect: DialectDefinition = {
  ...openaiDialect,
  name: 'mlx-lm',
  basePaths: ['/mlx-lm/v1'],
  bearerRequired: false,
  supportsEmbeddings: false,
  extraRoutes: ['health'],
  defaultMaxTokens: 512,
  sampleModels: ['mlx-community/Llama-3.2-1B-Instruct-4bit'],
  stream: {
    separateRoleChunk: false,
    roleInEveryDelta: true,
    omitNullFinishReason: false,
    usage: 'requested',
    usageChoices: 'empty',
    keepalive: true,
  },
  reasoning: { field: 'reasoning', details: false },
  // mlx_lm.server parses a tool call once the model closes it, then sends it in one delta.
  toolCallStyle: 'whole',
  completionId: (sequence) => `chatcmpl-mlxlm${sequence}`,
  modelEntry: (id) => ({ id, object: 'model', created: MODEL_CREATED }),
  errorReply: mlxLmErrorReply,
};
