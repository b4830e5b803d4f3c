import { JSON_HEADERS, TEXT_HEADERS, type HttpReply, type SimError } from '../sim-error.ts';
import { MODEL_CREATED, type DialectDefinition } from './dialect.ts';
import { openaiDialect } from './openai.ts';

/**
 * FastAPI's shapes: validation errors are 422 `{"detail":[{type, loc, msg, input}]}`, other errors
 * `{"detail": "..."}`, and a model that fails to load is a plain-text 500.
 */
function mlxErrorReply(error: SimError): HttpReply {
  const headers = error.headers;
  if (error.status === 500) {
    return { status: 500, headers: { ...TEXT_HEADERS, ...headers }, body: `Internal Server Error: ${error.message}` };
  }
  const detail =
    error.status === 422
      ? [{ type: 'value_error', loc: ['body', ...(error.field ? [error.field] : [])], msg: error.message, input: null }]
      : error.message;
  return { status: error.status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify({ detail }) };
}

/** mlx-omni-server: no auth, routes with and without `/v1`, role in every delta, 422 validation errors. */
export const mlxDialect: DialectDefinition = {
  ...openaiDialect,
  name: 'mlx',
  basePaths: ['/mlx/v1', '/mlx'],
  bearerRequired: false,
  extraRoutes: ['delete-model'],
  defaultMaxTokens: 4096,
  loadsModelsOnFirstUse: true,
  validationStatus: 422,
  sampleModels: ['mlx-community/Llama-3.2-1B-Instruct-4bit', 'mlx-community/all-MiniLM-L6-v2-4bit'],
  stream: {
    separateRoleChunk: false,
    roleInEveryDelta: true,
    omitNullFinishReason: true,
    usage: 'requested',
    usageChoices: 'repeat-finish',
    keepalive: false,
  },
  completionId: (sequence) => `chatcmpl-mlx${sequence}`,
  modelEntry: (id) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'mlx-community' }),
  errorReply: mlxErrorReply,
};
