import type { BackendCapabilities, BackendDefinition, ErrorContext, RouterError } from '@router/core';
import type { ModelCapabilities } from './model-capabilities.ts';

/** A `fetch` implementation: the global one, undici's, or a wrapper (proxies, longer timeouts). */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The field `maxTokens` goes out as: OpenAI's reasoning models refuse `max_tokens` and take `max_completion_tokens`. */
export type MaxTokensField = 'max_tokens' | 'max_completion_tokens';

/**
 * How the server takes `reasoning` settings: `reasoning_effort` (OpenAI, vLLM, Ollama: an effort only)
 * or a `reasoning` object `{ effort, max_tokens, exclude }` (OpenRouter and servers that copy it).
 */
export type ReasoningField = 'reasoning_effort' | 'reasoning';

/** Which request a body belongs to, for `transformRequest`. */
export interface RequestContext {
  operation: 'chat' | 'embed';
  model: string;
  stream: boolean;
}

/** Advice appended to error messages, so users learn what to do, not only what failed. */
export interface ErrorHints {
  /** After "cannot connect to <url>": e.g. how to start the server or where else it may listen. */
  connection?: string;
  /** When the connection closes in the middle of a response. */
  closedMidResponse?: string;
  /** When Node's fetch (undici) gives up waiting: its own 300 s headers and body timeouts. */
  fetchTimeout?: string;
  /** Advice for one HTTP status, e.g. Featherless 429 (plan concurrency); `detail` is the server's own message. */
  status?: (status: number, context: ErrorContext, detail: string) => string | undefined;
}

export interface OpenAICompatibleSettings<ExtraBody extends object = Record<string, unknown>> {
  /** Backend name, used in metadata, error messages and routing. */
  name: string;
  /** Base URL including the version path, e.g. `http://localhost:11434/v1`. A function is called at the first request. */
  baseURL: string | (() => string);
  /**
   * Bearer token. A function is called at the first request (read environment variables there, so
   * importing never throws); it may throw a typed error to say the key is missing. Without a key no
   * `Authorization` header is sent at all (and `OPENAI_API_KEY` is never picked up).
   */
  apiKey?: string | (() => string | undefined);
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /**
   * Custom fetch (a proxy, undici's with its own dispatcher). Default: a fetch on `node:http` with
   * keep-alive connections, at most `maxConnections` to the server.
   */
  fetch?: FetchFunction;
  /**
   * Connections the built-in fetch opens to the server at most; a request past them waits for a free
   * one (within its deadline). A stream holds its connection until it ends. Default 256. Not used with `fetch`.
   */
  maxConnections?: number;
  /**
   * Requests that wait for one of the built-in fetch's `maxConnections` at most; one more fails at once,
   * before anything is sent, with a retryable `BackendError` naming this setting. Default 1,024. Not used with `fetch`.
   */
  maxQueuedRequests?: number;
  /**
   * Bytes of one server-sent event the stream reader holds at most (its data lines so far, and a line
   * not yet ended); past it the stream fails with a retryable `BackendError` naming this setting, and
   * the connection is closed. Default 4 MiB (4,194,304). Applies with any `fetch`.
   */
  maxEventBytes?: number;
  /** Merged into every chat request body; a call's `extraBody` wins on a key conflict. */
  defaultExtraBody?: ExtraBody;
  /**
   * Send the merged extra fields inside this key of the JSON body instead of at its top level
   * (mlx-omni-server reads sampler extras from a literal `extra_body` key).
   */
  extraBodyKey?: string;
  /** Last change to a request body before it is sent (rename fields for an unusual server, drop unsupported ones). */
  transformRequest?: (body: Record<string, unknown>, context: RequestContext) => Record<string, unknown>;
  /**
   * The server takes one string per embeddings request (Ollama): a batch is sent as one request per
   * input, at most `concurrency` at once, and the vectors come back in input order.
   */
  stringEmbeddingInput?: { concurrency: number };
  /** Default `max_tokens`; `max_completion_tokens` for OpenAI's reasoning models (o-series, gpt-5), which refuse `max_tokens`. */
  maxTokensField?: MaxTokensField;
  /** Default `reasoning_effort`; `reasoning` for a server that takes OpenRouter's `reasoning` object (effort, budget, exclude). */
  reasoningField?: ReasoningField;
  /**
   * What the server (and the models it serves) can do, over the defaults: embeddings, JSON mode, usage,
   * tools, images and reasoning `true`; structured outputs `false` (whether a `json_schema` is enforced
   * depends on the server). Declare `false` what your model lacks, so the call fails before the network
   * and a router skips this backend for it.
   */
  capabilities?: Partial<BackendCapabilities>;
  /**
   * Narrows `capabilities` per model, for a server whose models differ (tools on some, images on others):
   * a call that needs what its model has `false` for fails with an `UnsupportedOperationError` (its
   * `capability` set) before the network. Return undefined for no narrowing. A router still sees the
   * backend-wide `capabilities` only, so it does not skip the backend ahead of time for such a model.
   */
  modelCapabilities?: (model: string) => ModelCapabilities | undefined;
  /** Default budgets applied when the caller sets none (e.g. a generous first-chunk budget for cold starts). */
  defaults?: BackendDefinition['defaults'];
  /** Appended to deadline timeout messages. */
  timeoutHint?: string;
  /** What one request to `model` costs a concurrency limiter. Default 1. */
  costOf?: (model: string) => number;
  /**
   * Milliseconds a router's limiter keeps the units of a call that ended early (aborted, abandoned,
   * timed out or failed), for a server that counts a request until it has noticed its connection
   * close. From 0 to 60,000; default 0 (given back at once).
   */
  abortGraceMs?: number;
  /** Tried before the built-in error mapping; return undefined to fall through to it. */
  mapError?: (error: unknown, context: ErrorContext) => RouterError | undefined;
  hints?: ErrorHints;
}

/** Per-request options of the helper routes (`listModels`, `getJSON`). */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Budget in milliseconds for this request. */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** One entry of `GET /models`. */
export interface ModelInfo {
  id: string;
  ownedBy?: string;
  /** Unix seconds, when the server reports it. */
  created?: number;
}

/**
 * The settings every thin backend on this package offers its users (the
 * generator's template starts from these); a backend adds its own fields.
 */
export interface ProviderSettings<ExtraBody extends object = Record<string, unknown>> {
  /** Backend name, used in metadata, error messages and routing. */
  name?: string;
  /** Bearer token; each backend says which environment variable it reads when this is not set. */
  apiKey?: string;
  /** Base URL including the version path. */
  baseURL?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Custom fetch, e.g. undici's with longer timeouts. */
  fetch?: FetchFunction;
  /** Merged into every chat request body; a call's `extraBody` wins on a key conflict. */
  defaultExtraBody?: ExtraBody;
}
