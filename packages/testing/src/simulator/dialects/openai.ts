import { JSON_HEADERS, type HttpReply, type SimError } from '../sim-error.ts';
import { MODEL_CREATED, type DialectDefinition } from './dialect.ts';

/** `{"error":{"message","type","param","code"}}`, as the OpenAI API (and vLLM-based services) answer. */
export function openaiErrorReply(error: SimError): HttpReply {
  const body = { error: { message: error.message, type: error.type, param: error.field ?? null, code: error.code ?? null } };
  return { status: error.status, headers: { ...JSON_HEADERS, ...error.headers }, body: JSON.stringify(body) };
}

/** Plain OpenAI behaviour: the reference the other dialects differ from. */
export const openaiDialect: DialectDefinition = {
  name: 'openai',
  basePaths: ['/openai/v1'],
  bearerRequired: true,
  supportsEmbeddings: true,
  extraRoutes: [],
  defaultMaxTokens: undefined,
  enforcesPlanUnits: false,
  loadsModelsOnFirstUse: false,
  acceptsModelsList: false,
  validationStatus: 400,
  sampleModels: ['gpt-4o-mini', 'text-embedding-3-small'],
  stream: {
    separateRoleChunk: true,
    roleInEveryDelta: false,
    omitNullFinishReason: false,
    usage: 'requested',
    usageChoices: 'empty',
    keepalive: false,
  },
  reasoning: { field: 'reasoning_content', details: false },
  toolCallStyle: 'deltas',
  completionId: (sequence) => `chatcmpl-sim${sequence}`,
  completionHeaders: () => ({}),
  servedModel: (body) => String(body.model),
  completionFields: () => undefined,
  usageFields: () => undefined,
  modelEntry: (id) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'simulator' }),
  errorReply: openaiErrorReply,
};
