import type { CompletionStream } from './stream.ts';

export type Role = 'system' | 'user' | 'assistant';

export interface Message {
  role: Role;
  content: string;
  /** Optional speaker name, passed through to backends that support it. */
  name?: string;
}

/** JSON mode: `json_object` asks for any JSON object, `json_schema` for one matching a schema. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name?: string; schema: Record<string, unknown>; strict?: boolean };

/** Options shared by every call: which model, and how long it may take. */
export interface BaseCallOptions {
  /** The model id. The router dispatches on it; the backend sends it as is. */
  model: string;
  /** Aborts the call: queue waits, backoff sleeps, the request and its socket. */
  signal?: AbortSignal;
  /** End-to-end budget in milliseconds, shared by every attempt and fallback. */
  timeoutMs?: number;
  /** Absolute end-to-end deadline (epoch milliseconds); the earlier of this and `timeoutMs` wins. */
  deadline?: number;
  /**
   * Provider-specific body fields, merged over the backend's `defaultExtraBody`. Through a router they
   * reach the backend the call was routed to and never a fallback: scope options with `providerOptions`.
   */
  extraBody?: Record<string, unknown>;
  /** Extra HTTP headers for this call; like `extraBody`, for the routed backend only. */
  headers?: Record<string, string>;
  /**
   * Options for one backend each, keyed by its name (the router's key for it, or an adapter's own
   * `name` when it is called directly). They reach that backend whether it serves as the routed
   * backend or as a fallback, and no other: `{ openrouter: { extraBody: { provider: { order: ['Cerebras'] } } } }`.
   */
  providerOptions?: Readonly<Record<string, ProviderCallOptions>>;
}

/** What a call can send to one backend only. */
export interface ProviderCallOptions {
  /** Merged over the call's unkeyed `extraBody` when this backend is the routed one. */
  extraBody?: Record<string, unknown>;
  /** Merged over the call's unkeyed `headers` when this backend is the routed one. */
  headers?: Record<string, string>;
}

export interface CallOptions extends BaseCallOptions {
  maxTokens?: number;
  /** Between 0 and 2, as in the OpenAI API. */
  temperature?: number;
  topP?: number;
  stop?: string | readonly string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** JSON mode. */
  responseFormat?: ResponseFormat;
  /** End-user id, for providers' abuse monitoring. */
  user?: string;
  /** Streams only: fail if the first chunk has not arrived after this many milliseconds. */
  firstChunkTimeoutMs?: number;
  /** Streams only: fail if no chunk arrives for this many milliseconds. */
  idleTimeoutMs?: number;
}

export interface EmbedOptions extends BaseCallOptions {
  /** Output dimensions, for models that can shorten their vectors. */
  dimensions?: number;
}

export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other' | 'unknown';

export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  /** Cost in the provider's currency unit (USD credits on OpenRouter), where the provider reports it. */
  cost?: number;
}

export interface Timings {
  /** Epoch milliseconds when the call started. */
  startedAt: number;
  /** Milliseconds from start to the first text chunk (streams only). */
  firstChunkMs?: number;
  /** Milliseconds from start to the end of the call. */
  totalMs: number;
}

/** What every call reports about itself. */
export interface CallMetadata {
  /**
   * The backend that served the call: the router's key for it (`narrative`) when the call went
   * through a router, the adapter's own name when the adapter was called directly. It names what
   * `explain`, fallback events and `reliability` keys name, so a log line joins the configuration.
   */
  backend: string;
  /** The adapter that served the call, by its own name (`featherless`), whatever the router calls it. */
  adapter: string;
  /** The model that served the call, as the backend reported it (may differ from the requested one). */
  model: string;
  /** HTTP attempts made, retries and fallbacks included. */
  attempts: number;
  timings: Timings;
  /** Provider-specific extras (generation id, provider name...), keyed by backend kind. */
  providerMetadata?: Record<string, unknown>;
}

export interface Completion extends CallMetadata {
  text: string;
  finishReason: FinishReason;
  usage?: Usage;
}

export interface Embeddings extends CallMetadata {
  /** One vector per input, in input order (a single string gives one vector). */
  embeddings: number[][];
  usage?: Usage;
}

export interface BackendCapabilities {
  /** `embed` works (otherwise it fails with an UnsupportedOperationError). */
  embeddings: boolean;
  /** `responseFormat` is honoured (a call that sets one fails before the network without it). */
  jsonMode: boolean;
  /** Token usage is reported. */
  usage: boolean;
}

/** A capability a call can need: refused before the network by a backend without it, skipped as a fallback. */
export type Capability = 'embeddings' | 'jsonMode';

/**
 * The one interface. Backends, the router and every reliability wrapper
 * implement it, so they nest.
 */
export interface LLMClient {
  readonly name: string;
  generate(messages: readonly Message[], options: CallOptions): Promise<Completion>;
  /** Errors, bad input included, surface while iterating and from `completion`. */
  stream(messages: readonly Message[], options: CallOptions): CompletionStream;
  embed(input: string | readonly string[], options: EmbedOptions): Promise<Embeddings>;
}

export type Operation = 'generate' | 'stream' | 'embed';
