/** The service dialects the simulator speaks, each under its own base path. */
export type Dialect = 'openai' | 'openrouter' | 'featherless' | 'mlx' | 'mlx-lm' | 'ollama' | 'vllm' | 'vllm-legacy' | 'lmstudio';

/** Every dialect, in the order the CLI lists them. */
export const DIALECTS: readonly Dialect[] = ['openai', 'openrouter', 'featherless', 'mlx', 'mlx-lm', 'ollama', 'vllm', 'vllm-legacy', 'lmstudio'];

/** How a simulated model behaves. Every field has a default; override per model or for all models. */
export interface ModelProfile {
  /**
   * Milliseconds between the response headers and the first content chunk (default 0).
   * Non-streaming chat and embedding responses are delayed by this much before their headers.
   */
  ttftMs: number;
  /** Pace of the output after the first chunk (default `Infinity`: no pacing). */
  tokensPerSecond: number;
  /** Tokens (words with their trailing space) per streamed chunk (default 1). */
  tokensPerChunk: number;
  /** Length of the generated reply in tokens (default 24), capped by the request's `max_tokens`. */
  outputTokens: number;
  /** Embedding vector length (default 384); a request's `dimensions` overrides it. */
  embeddingDimensions: number;
  /**
   * Streams: milliseconds between the last event (`[DONE]`) and the end of the response (default 0),
   * as when a proxy ends the response a moment after the last event. The request holds its Featherless
   * plan units until then even if the client leaves at `[DONE]`, so a client that frees its own slot
   * there, before the response is over, meets 429s.
   */
  endDelayMs: number;
  /**
   * A fixed reply instead of the generated text. It is tokenised the same way (words with their
   * trailing whitespace) and `outputTokens` is ignored; `max_tokens` still cuts it.
   */
  reply?: string;
  /**
   * Reasoning tokens (words with their trailing space, like the reply) the model emits before its
   * answer (default 0: none). They arrive in the dialect's reasoning field (`reasoning_content`;
   * `reasoning` on mlx-lm; `reasoning` plus `reasoning_details` on OpenRouter, where
   * `reasoning.exclude` hides the text) and count in `completion_tokens` and
   * `completion_tokens_details.reasoning_tokens`. `max_tokens` does not cut them.
   */
  reasoningTokens: number;
  /** Prompt tokens reported as cached in `prompt_tokens_details.cached_tokens` (default 0: not reported); capped at the prompt. */
  cachedPromptTokens: number;
  /**
   * How streamed tool calls are cut into deltas. `deltas` (OpenAI): the first delta of a call has
   * its index, id, type, name and `arguments: ''`, later ones only argument fragments. `whole`:
   * each call in one delta (default of the mlx-lm dialect). `id-every-delta`: as `deltas`, with the
   * id repeated on every fragment. Default: the dialect's (`deltas` except mlx-lm).
   */
  toolCallStyle?: ToolCallStyle;
  /** Finish reason after tool calls (default `'tool_calls'`; `'stop'` as older vLLM and LM Studio send). */
  toolCallsFinishReason: 'tool_calls' | 'stop';
}

/** How streamed tool calls are cut into deltas (see {@link ModelProfile.toolCallStyle}). */
export type ToolCallStyle = 'deltas' | 'whole' | 'id-every-delta';

/** Options of {@link startSimulator}. Everything is optional. */
export interface SimulatorOptions {
  /** TCP port (default 0: any free port; read the chosen one from {@link Simulator.url}). */
  port?: number;
  /** Interface to listen on (default `'127.0.0.1'`). */
  host?: string;
  /** Profiles per exact model id, merged over {@link SimulatorOptions.defaultProfile}. */
  models?: Record<string, Partial<ModelProfile>>;
  /** Profile fields for every model, merged over the built-in defaults. */
  defaultProfile?: Partial<ModelProfile>;
  /** Fault rules in force from the start; more can be added with {@link Simulator.addFault}. */
  faults?: FaultRule[];
  /**
   * Required bearer token per dialect; a wrong or missing one gets 401 in that dialect's error shape.
   * Default: openai, openrouter and featherless accept any non-empty bearer (and answer 401 without
   * one); mlx and mlx-lm need none.
   */
  apiKeys?: Partial<Record<Dialect, string>>;
  /** The Featherless plan: concurrency units in flight (default 4) and the cost of a model in units. */
  featherless?: {
    planUnits?: number;
    /** Units a request for `model` holds while in flight. Default: from the size in the id (see {@link featherlessUnitCost}). */
    unitCost?: (model: string) => number;
  };
  /**
   * Servers that load a model on its first use (mlx-omni-server, LM Studio): delay before the first
   * response for each model id (default 0), and the idle time after which a model is unloaded, so
   * the next call is cold again (LM Studio's TTL; default: never).
   */
  mlx?: { coldStartMs?: number; unloadAfterMs?: number };
  /** Seed of every generated text and vector (default 1). */
  seed?: number;
  /**
   * Keep each request's parsed body in {@link LoggedRequest.body} (default true). Benchmarks that
   * send thousands of requests can switch it off to keep memory flat.
   */
  logBodies?: boolean;
  /** The log keeps at most this many of the most recent requests (default 10000). */
  maxLogEntries?: number;
  /**
   * Largest request body accepted, in bytes (default 4 MiB). A larger one gets 413 in the dialect's
   * error shape as soon as it passes the cap; the rest is read and dropped, never buffered.
   */
  maxBodyBytes?: number;
}

/** A running simulator. Close it when the test ends. */
export interface Simulator {
  /** `http://HOST:PORT`, with the port actually bound. */
  readonly url: string;
  /**
   * The base URL to give an SDK for a dialect: openai `${url}/openai/v1`, openrouter
   * `${url}/openrouter/api/v1`, featherless `${url}/featherless/v1`, mlx `${url}/mlx/v1` (its routes
   * also answer without `/v1`), mlx-lm `${url}/mlx-lm/v1`, and so on: `${url}/<dialect>/v1` for ollama, vllm,
   * vllm-legacy and lmstudio.
   */
  baseURL(dialect: Dialect): string;
  /**
   * Requests received, oldest first (a live array: entries are completed as responses end). At most
   * `maxLogEntries` are kept.
   */
  readonly requests: readonly LoggedRequest[];
  /** Chat and embedding requests currently open. */
  readonly inFlight: number;
  /** The most chat and embedding requests open at once since start or the last {@link Simulator.reset}. */
  readonly maxInFlight: number;
  /** Adds a fault rule; it applies to requests that arrive from now on. Throws on an invalid rule. */
  addFault(rule: FaultRule): void;
  /** Removes every fault rule (requests already running keep their faults). */
  clearFaults(): void;
  /** Clears the request log and sets the in-flight maximum to the current count. */
  reset(): void;
  /** Stops listening, cancels every pending timer and destroys open sockets, streams included. */
  close(): Promise<void>;
}

/** One request as the simulator saw it. */
export interface LoggedRequest {
  /** `req_N`, also sent back in the `x-request-id` response header. */
  id: string;
  dialect: Dialect;
  method: string;
  /** Path relative to the dialect's base, e.g. `'/chat/completions'` (no query string). */
  path: string;
  /**
   * Request headers with lower-cased names. `authorization` (and `proxy-authorization`,
   * `x-api-key`, `api-key`) are replaced by a fingerprint such as `'Bearer sha256:1a2b3c4d'`
   * (first 8 hex digits of the token's SHA-256): the token itself is never kept.
   */
  headers: Record<string, string>;
  /** Parsed JSON body (the raw string if it is not JSON; undefined without a body or with `logBodies: false`). */
  body: unknown;
  /** `model` from the body, when it is a string. */
  model?: string;
  /** True when the body asked for `stream: true`. */
  stream: boolean;
  /** Epoch milliseconds when the request arrived. */
  startedAt: number;
  /** Epoch milliseconds when the response finished or the socket closed. */
  endedAt?: number;
  /** Status sent, once headers were sent (undefined when the connection was reset before). */
  status?: number;
  /** Kind of the first fault applied to this request. */
  fault?: Fault['kind'];
  /** The client closed the connection before the response ended. */
  clientAborted: boolean;
}

/** Applies a fault to the requests that match every condition given. */
export interface FaultRule {
  fault: Fault;
  /** Exact model id of the request body. */
  model?: string;
  dialect?: Dialect;
  /** Path relative to the dialect base, e.g. `'/chat/completions'` or `'/embeddings'`. */
  path?: string;
  /** Apply to this many matching requests, then stop (default: every matching request). */
  times?: number;
}

/**
 * A fault to inject. Several can apply to one request (from rules and the `x-sim-fault` header).
 *
 * Stream faults count content chunks (`afterChunks`, default 2; a value past the end of the reply
 * acts after the last content chunk). On non-streaming responses they act on the JSON body:
 * `close-mid-stream` sends part of the body then destroys the socket, `malformed-event` sends
 * `{not json` with status 200, `error-event` sends the error object with status 200, `no-finish`
 * sends `finish_reason: null`, the `first-chunk`/`between-chunks` stalls delay the body after the
 * headers, and `split-writes` writes the body in small pieces.
 */
export type Fault =
  /** Respond with this status. `body` defaults to the dialect's error shape (a string body is sent as text). */
  | { kind: 'status'; status: number; body?: unknown; retryAfter?: string; headers?: Record<string, string> }
  /** Reset the connection before any response. */
  | { kind: 'reset' }
  /** Destroy the socket after `afterChunks` content chunks, without any event. */
  | { kind: 'close-mid-stream'; afterChunks?: number }
  /** After `afterChunks` content chunks, send `data: {not json` and end the stream. */
  | { kind: 'malformed-event'; afterChunks?: number }
  /**
   * OpenRouter-style error in a stream: HTTP 200, then after `afterChunks` content chunks an event with
   * a top-level `error` (`code` default 502, may be a string) and `choices[0].finish_reason: "error"`; the stream then ends.
   */
  | { kind: 'error-event'; afterChunks?: number; code?: number | string; message?: string }
  /** The stream ends cleanly after the content, with no finish reason and no `[DONE]`. */
  | { kind: 'no-finish' }
  /** No bytes for `ms`: before the headers, before the first content chunk, or after `afterChunks` content chunks. */
  | { kind: 'stall'; phase: 'headers' | 'first-chunk' | 'between-chunks'; ms: number; afterChunks?: number }
  /** `\r\n` line endings in the event stream. */
  | { kind: 'crlf' }
  /** Bytes written in tiny pieces, cut inside lines, between `\r` and `\n`, and inside multi-byte UTF-8 characters. */
  | { kind: 'split-writes' };
