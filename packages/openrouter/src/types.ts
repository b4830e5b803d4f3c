import type {
  Backend,
  CallOptions,
  Completion,
  CompletionStream,
  EmbedOptions,
  Embeddings,
  Message,
} from '@router/core';

/** How OpenRouter orders the providers of a model. Open: new values pass through. */
export type OpenRouterProviderSort = 'price' | 'throughput' | 'latency' | (string & {});

/** Quantization levels a provider may serve. Open: new values pass through. */
export type OpenRouterQuantization =
  | 'int4'
  | 'int8'
  | 'fp4'
  | 'fp6'
  | 'fp8'
  | 'fp16'
  | 'bf16'
  | 'fp32'
  | 'unknown'
  | (string & {});

/** Percentile cutoffs; a plain number applies to p50. */
export interface OpenRouterPercentileCutoffs {
  p50?: number;
  p75?: number;
  p90?: number;
  p99?: number;
}

/** Price ceilings in USD per million tokens (or per request / image). */
export interface OpenRouterMaxPrice {
  prompt?: number | string;
  completion?: number | string;
  image?: number | string;
  audio?: number | string;
  request?: number | string;
}

/**
 * OpenRouter's provider routing preferences, sent as the request's `provider`
 * field. Pin a model to one provider with
 * `{ order: ['Cerebras'], allow_fallbacks: false }`. Deliberately closed, so a
 * misspelt field (`allowFallbacks`) fails to compile instead of silently not
 * pinning; a field OpenRouter adds later can still be sent with a cast.
 */
export interface OpenRouterProviderPreferences {
  /** Provider slugs to try first, in order. */
  order?: readonly string[];
  /** Whether other providers may serve when those in `order` cannot (OpenRouter's default: true). */
  allow_fallbacks?: boolean;
  /** Only providers that support every parameter of the request. */
  require_parameters?: boolean;
  /** `deny` skips providers that may store or train on prompts. */
  data_collection?: 'allow' | 'deny' | (string & {});
  /** Only Zero Data Retention endpoints. */
  zdr?: boolean;
  /** Only models whose author allows text distillation. */
  enforce_distillable_text?: boolean;
  /** Provider slugs allowed for this request; all others are skipped. */
  only?: readonly string[];
  /** Provider slugs to skip. */
  ignore?: readonly string[];
  quantizations?: readonly OpenRouterQuantization[];
  /** Sort providers; an object also chooses how endpoints are partitioned before sorting. */
  sort?: OpenRouterProviderSort | { by?: OpenRouterProviderSort; partition?: 'model' | 'none' | (string & {}) };
  max_price?: OpenRouterMaxPrice;
  /** Tokens per second; slower endpoints are deprioritized, not excluded. */
  preferred_min_throughput?: number | OpenRouterPercentileCutoffs;
  /** Seconds; slower endpoints are deprioritized, not excluded. */
  preferred_max_latency?: number | OpenRouterPercentileCutoffs;
}

/**
 * OpenRouter's request fields beyond OpenAI's, for `defaultExtraBody` and a
 * call's `extraBody`. Known fields are typed; any other field passes through.
 * Through a router (typed as a plain `LLMClient`) keep the typing with
 * `extraBody: { ... } satisfies OpenRouterExtraBody`.
 */
export interface OpenRouterExtraBody {
  /** Routing preferences for this call, merged field by field over the backend's `provider`. */
  provider?: OpenRouterProviderPreferences;
  /** Fallback models, tried in order when the first cannot serve; the completion's `model` says which did. */
  models?: readonly string[];
  reasoning?: {
    effort?: 'xhigh' | 'high' | 'medium' | 'low' | 'minimal' | 'none' | (string & {});
    max_tokens?: number;
    exclude?: boolean;
    enabled?: boolean;
  };
  transforms?: readonly string[];
  plugins?: readonly ({ id: string } & Record<string, unknown>)[];
  top_k?: number;
  top_a?: number;
  min_p?: number;
  repetition_penalty?: number;
  [field: string]: unknown;
}

export interface OpenRouterBackendSettings {
  /** The backend's name in metadata, errors and routing tables. Default `openrouter`. */
  name?: string;
  /** Default: the `OPENROUTER_API_KEY` environment variable, read at the first call (importing never throws). */
  apiKey?: string;
  /** Default `https://openrouter.ai/api/v1`. */
  baseURL?: string;
  /** Your app's name, sent as `X-OpenRouter-Title` and `X-Title` (attribution on openrouter.ai). */
  appName?: string;
  /** Your app's URL, sent as `HTTP-Referer` (attribution on openrouter.ai). */
  appUrl?: string;
  /** Headers sent with every request (a call's `headers` win). */
  headers?: Record<string, string>;
  /** A fetch implementation, e.g. to add a proxy or to record requests. */
  fetch?: typeof fetch;
  /** Fields merged into every request body (a call's `extraBody` wins, key by key). */
  defaultExtraBody?: OpenRouterExtraBody;
  /** Provider routing preferences for every call of this backend; a call's `extraBody.provider` is merged over them. */
  provider?: OpenRouterProviderPreferences;
}

/** `CallOptions` with OpenRouter's body fields typed. */
export interface OpenRouterCallOptions extends CallOptions {
  extraBody?: OpenRouterExtraBody;
}

/** `EmbedOptions` with OpenRouter's body fields typed (`provider` applies to embeddings too). */
export interface OpenRouterEmbedOptions extends EmbedOptions {
  extraBody?: OpenRouterExtraBody;
}

/** A core `Backend` whose calls accept OpenRouter's typed `extraBody`. */
export interface OpenRouterBackend extends Backend {
  generate(messages: readonly Message[], options: OpenRouterCallOptions): Promise<Completion>;
  stream(messages: readonly Message[], options: OpenRouterCallOptions): CompletionStream;
  embed(input: string | readonly string[], options: OpenRouterEmbedOptions): Promise<Embeddings>;
}
