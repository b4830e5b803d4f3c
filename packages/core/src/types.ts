import type { CompletionStream } from './stream.ts';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

/** Text inside a message's list of parts. */
export interface TextPart {
  type: 'text';
  text: string;
}

/**
 * An image inside a user message: an `https:` URL, a `data:` URL, or bytes.
 * Bytes need their `mediaType` (`image/png`); a data URL carries its own.
 */
export interface ImagePart {
  type: 'image';
  image: string | URL | Uint8Array;
  mediaType?: string;
  /** How closely the model should look, where the provider supports it. */
  detail?: 'auto' | 'low' | 'high';
}

export type ContentPart = TextPart | ImagePart;

/** A tool call the model made: the arguments as the model wrote them, and parsed when they parse. */
export interface ToolCall {
  id: string;
  name: string;
  /** The raw arguments text (meant to be JSON; not always valid). */
  arguments: string;
  /** `arguments` parsed, when it parses as JSON. */
  input?: unknown;
}

/** A tool call as an assistant message replays it: `input` is not needed. */
export type ToolCallRequest = Pick<ToolCall, 'id' | 'name' | 'arguments'>;

export interface SystemMessage {
  role: 'system';
  content: string;
  /** Optional speaker name, passed through to backends that support it. */
  name?: string;
}

export interface UserMessage {
  role: 'user';
  /** Text, or a list of text and image parts. */
  content: string | readonly ContentPart[];
  name?: string;
}

export interface AssistantMessage {
  role: 'assistant';
  /** The text the model wrote (may be empty when it only called tools). */
  content: string;
  name?: string;
  /** The tool calls the model made in this turn, replayed so that `tool` messages can answer them. */
  toolCalls?: readonly ToolCallRequest[];
}

/** The result of one tool call, for the call id an earlier assistant message made. */
export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  content: string;
  name?: string;
}

export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** A tool the model may call: its name, what it is for, and its parameters as JSON Schema. */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. Default: an object with no declared properties. */
  parameters?: Record<string, unknown>;
  /** Ask for schema-exact arguments, where the provider supports it. */
  strict?: boolean;
}

/** Whether and which tools the model must call. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** Reasoning (thinking) settings, mapped per backend to what it understands. */
export interface ReasoningOptions {
  effort?: 'minimal' | 'low' | 'medium' | 'high';
  /** A token budget for the reasoning. */
  maxTokens?: number;
  /** Reason, but leave the reasoning text out of the answer. */
  exclude?: boolean;
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
  /** Tools the model may call. Needs the `tools` capability. */
  tools?: readonly ToolDefinition[];
  /** Default `auto` when tools are given. */
  toolChoice?: ToolChoice;
  /** Whether the model may call several tools in one turn. */
  parallelToolCalls?: boolean;
  /** Reasoning effort and/or budget. Needs the `reasoning` capability. */
  reasoning?: ReasoningOptions;
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
  /** Of the output tokens, those spent reasoning, where reported. */
  reasoningTokens?: number;
  /** Of the input tokens, those read from the provider's prompt cache, where reported. */
  cachedInputTokens?: number;
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
  /** The tool calls the model made, in order (absent when it made none). */
  toolCalls?: ToolCall[];
  /** The reasoning text, where the provider returns it. */
  reasoning?: string;
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
  /** `tools` are offered to the model and its tool calls come back. */
  tools: boolean;
  /** Image parts in user messages are understood. */
  images: boolean;
  /** `reasoning` settings are honoured (reasoning text comes back where the provider returns it). */
  reasoning: boolean;
  /** A `json_schema` response format is enforced on the wire (constrained decoding), not only asked for. */
  structuredOutputs: boolean;
}

/** A capability a call can need: refused before the network by a backend without it, skipped as a fallback. */
export type Capability = 'embeddings' | 'jsonMode' | 'tools' | 'images' | 'reasoning';

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
