import { JSON_HEADERS, type HttpReply, type SimError } from '../sim-error.ts';
import { MODEL_CREATED, type DialectDefinition } from './dialect.ts';
import { openaiDialect } from './openai.ts';

/** The provider named in responses when the request pins none. */
export const DEFAULT_PROVIDER = 'SimProvider';

/** Simulated prices in USD per token, so `usage.cost` is predictable. */
export const OPENROUTER_PROMPT_PRICE = 0.000001;
export const OPENROUTER_COMPLETION_PRICE = 0.000002;

const PROVIDER_ERROR_TYPES: Record<number, string> = {
  408: 'timeout',
  429: 'rate_limit_exceeded',
  502: 'provider_unavailable',
  503: 'provider_overloaded',
};

/** `{"error":{"code","message","metadata"}}` with the HTTP status equal to `code`. */
function openrouterErrorReply(error: SimError): HttpReply {
  const providerError = error.status === 408 || error.status === 429 || error.status >= 500;
  const metadata = providerError
    ? { error_type: PROVIDER_ERROR_TYPES[error.status] ?? 'server', provider_name: DEFAULT_PROVIDER }
    : undefined;
  const body = { error: { code: error.status, message: error.message, ...(metadata && { metadata }) } };
  return { status: error.status, headers: { ...JSON_HEADERS, ...error.headers }, body: JSON.stringify(body) };
}

/** The provider that "served" a request: the first of `provider.order` when given. */
function servingProvider(body: Record<string, unknown>): string {
  const provider = body.provider;
  if (typeof provider === 'object' && provider !== null) {
    const order = (provider as { order?: unknown }).order;
    if (Array.isArray(order) && typeof order[0] === 'string') return order[0];
  }
  return DEFAULT_PROVIDER;
}

/** OpenRouter: processing comments, `gen-` ids, usage with cost always, errors with `code`. */
export const openrouterDialect: DialectDefinition = {
  ...openaiDialect,
  name: 'openrouter',
  basePaths: ['/openrouter/api/v1'],
  acceptsModelsList: true,
  sampleModels: ['openai/gpt-4o-mini', 'meta-llama/llama-3.3-70b-instruct', 'openai/text-embedding-3-small'],
  stream: {
    separateRoleChunk: false,
    roleInEveryDelta: true,
    omitNullFinishReason: false,
    usage: 'always',
    usageChoices: 'empty',
    processingComment: { text: 'OPENROUTER PROCESSING', every: 4 },
    keepalive: false,
  },
  reasoning: { field: 'reasoning', details: true },
  completionId: (sequence) => `gen-${1_700_000_000 + sequence}-sim${sequence}`,
  completionHeaders: (id) => ({ 'x-generation-id': id }),
  servedModel: (body) => {
    const models = body.models;
    if (Array.isArray(models) && typeof models[0] === 'string') return models[0];
    return String(body.model);
  },
  completionFields: (body) => ({ provider: servingProvider(body) }),
  usageFields: (usage) => ({
    cost: usage.prompt_tokens * OPENROUTER_PROMPT_PRICE + usage.completion_tokens * OPENROUTER_COMPLETION_PRICE,
  }),
  modelEntry: (id) => ({
    id,
    name: id,
    created: MODEL_CREATED,
    context_length: 131072,
    pricing: { prompt: String(OPENROUTER_PROMPT_PRICE), completion: String(OPENROUTER_COMPLETION_PRICE) },
  }),
  errorReply: openrouterErrorReply,
};
