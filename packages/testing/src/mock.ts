import {
  type Backend,
  type BackendCall,
  type BackendCapabilities,
  type BackendEmbedCall,
  type CallOptions,
  type Completion,
  type CompletionStream,
  type EmbedOptions,
  type EmbedOutput,
  type Embeddings,
  type FinishReason,
  type GenerateOutput,
  type Message,
  type StreamPart,
  type ToolCallRequest,
  type Usage,
} from '@router/core';
import { createBackend, toToolCall } from '@router/core/adapter';

/** A successful scripted reply. */
export interface MockTextReply {
  text: string;
  /** How `stream` splits the text; must join to `text`. Default: words with their trailing space. */
  chunks?: readonly string[];
  /** Default "stop" ("tool-calls" when the reply has tool calls). */
  finishReason?: FinishReason;
  /** Tool calls the model makes; a stream sends each as a start then its arguments in one piece, after the text. */
  toolCalls?: readonly ToolCallRequest[];
  /** Reasoning text; a stream sends it as one reasoning part before the text. */
  reasoning?: string;
  /** Default: estimated from the characters (4 per token), unless the mock declares no usage capability. */
  usage?: Usage;
  /** The model reported as having served (default: the requested one). */
  model?: string;
  providerMetadata?: Record<string, unknown>;
  /** Wait before the reply (or the first chunk), honouring abort and deadlines. */
  delayMs?: number;
  /** Wait between stream chunks. */
  chunkDelayMs?: number;
}

/** A scripted failure: the call rejects with `error` (typed errors pass through, others become a BackendError). */
export interface MockFailureReply {
  error: unknown;
  /**
   * Streams only: deliver this many chunks of the reply first, so the caller
   * sees a StreamInterruptedError carrying them. `generate` simply fails.
   */
  failAfterChunks?: number;
  /** The reply whose first chunks are delivered (default: the echo reply). */
  text?: string;
  chunks?: readonly string[];
  delayMs?: number;
  chunkDelayMs?: number;
}

/** A plain string is shorthand for `{ text }`. */
export type MockReply = string | MockTextReply | MockFailureReply;

/** A scripted embedding answer: explicit vectors, or a failure. Default: vectors derived from the text. */
export type MockEmbedReply =
  | { vectors: readonly (readonly number[])[]; model?: string; delayMs?: number }
  | { error: unknown; delayMs?: number };

export type MockReplyFunction = (messages: readonly Message[], options: CallOptions) => MockReply | Promise<MockReply>;

/** One call that passed validation and reached the mock, in arrival order. */
export type MockCall =
  | { operation: 'generate' | 'stream'; messages: readonly Message[]; options: CallOptions }
  | { operation: 'embed'; input: readonly string[]; options: EmbedOptions };

export interface MockLLMClientOptions {
  /** Backend name reported in metadata and errors. Default "mock". */
  name?: string;
  /** Answers calls once the scripted queue is empty. Default: echoes the last message. */
  reply?: MockReplyFunction;
  /** Default: embeddings, JSON mode, usage, tools, images and reasoning supported; structuredOutputs not. */
  capabilities?: Partial<BackendCapabilities>;
  /** Length of derived embedding vectors when the call sets no `dimensions`. Default 384. */
  embeddingDimensions?: number;
  /** What one request costs a concurrency limiter. Default 1. */
  costOf?: (model: string) => number;
}

const defaultCapabilities: BackendCapabilities = {
  embeddings: true,
  jsonMode: true,
  usage: true,
  tools: true,
  images: true,
  reasoning: true,
  structuredOutputs: false,
};

/**
 * An in-memory `LLMClient` with scripted replies and failures, for tests that
 * need no HTTP. It is built on core's `createBackend`, so validation,
 * deadlines, abort, stream completeness and partial text behave exactly as
 * in a real backend.
 */
export class MockLLMClient implements Backend {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** Every call that reached the mock (bad input is rejected before and not recorded). */
  readonly calls: MockCall[] = [];
  readonly #replies: MockReply[] = [];
  readonly #embedReplies: MockEmbedReply[] = [];
  readonly #replyFunction: MockReplyFunction;
  readonly #embeddingDimensions: number;
  readonly #backend: Backend;

  constructor(options: MockLLMClientOptions = {}) {
    this.name = options.name ?? 'mock';
    this.capabilities = { ...defaultCapabilities, ...options.capabilities };
    this.#replyFunction = options.reply ?? echoReply;
    this.#embeddingDimensions = options.embeddingDimensions ?? 384;
    const definition = {
      name: this.name,
      capabilities: this.capabilities,
      generate: (call: BackendCall) => this.#generate(call),
      stream: (call: BackendCall) => this.#stream(call),
      embed: this.capabilities.embeddings ? (call: BackendEmbedCall) => this.#embed(call) : undefined,
      costOf: options.costOf,
    };
    this.#backend = createBackend(definition);
  }

  /** Scripts the next generate/stream replies, consumed in order before the `reply` function is used. */
  enqueue(...replies: MockReply[]): this {
    // A script mistake should fail here, at the test's own line, not inside a call.
    for (const reply of replies) if (typeof reply === 'object') scriptedChunks(reply, []);
    this.#replies.push(...replies);
    return this;
  }

  /** Scripts the next embed answers, consumed in order before derived vectors are used. */
  enqueueEmbedding(...replies: MockEmbedReply[]): this {
    this.#embedReplies.push(...replies);
    return this;
  }

  /** Scripted replies not consumed yet (chat and embeddings), to assert a script was used up. */
  get pendingReplies(): number {
    return this.#replies.length + this.#embedReplies.length;
  }

  generate(messages: readonly Message[], options: CallOptions): Promise<Completion> {
    return this.#backend.generate(messages, options);
  }

  stream(messages: readonly Message[], options: CallOptions): CompletionStream {
    return this.#backend.stream(messages, options);
  }

  embed(input: string | readonly string[], options: EmbedOptions): Promise<Embeddings> {
    return this.#backend.embed(input, options);
  }

  costOf(model: string): number {
    return this.#backend.costOf(model);
  }

  async #nextReply(call: BackendCall): Promise<MockReply> {
    return this.#replies.shift() ?? (await this.#replyFunction(call.messages, call.options));
  }

  async #generate(call: BackendCall): Promise<GenerateOutput> {
    this.calls.push({ operation: 'generate', messages: call.messages, options: call.options });
    const reply = await this.#nextReply(call);
    if (isFailure(reply)) {
      await sleep(reply.delayMs, call.signal);
      throw reply.error;
    }
    const text = typeof reply === 'string' ? { text: reply } : reply;
    await sleep(text.delayMs, call.signal);
    return this.#output(text, call);
  }

  async *#stream(call: BackendCall): AsyncGenerator<StreamPart> {
    this.calls.push({ operation: 'stream', messages: call.messages, options: call.options });
    const reply = await this.#nextReply(call);
    const script = typeof reply === 'string' ? { text: reply } : reply;
    const chunks = scriptedChunks(script, call.messages);
    const delivered = isFailure(script) ? chunks.slice(0, script.failAfterChunks ?? 0) : chunks;
    await sleep(script.delayMs, call.signal);
    if (!isFailure(script) && script.reasoning) yield { type: 'reasoning', text: script.reasoning };
    for (const [index, chunk] of delivered.entries()) {
      if (index > 0) await sleep(script.chunkDelayMs, call.signal);
      yield { type: 'text', text: chunk };
    }
    if (isFailure(script)) throw script.error;
    for (const [index, { id, name, arguments: args }] of (script.toolCalls ?? []).entries()) {
      yield { type: 'tool-call-start', index, id, name };
      yield { type: 'tool-call-delta', index, argumentsDelta: args };
    }
    const { toolCalls: _calls, reasoning: _reasoning, ...finish } = this.#output(script, call);
    yield { type: 'finish', ...finish };
  }

  #output(reply: MockTextReply, call: BackendCall): GenerateOutput {
    const text = scriptedChunks(reply, call.messages).join('');
    const toolCalls = reply.toolCalls?.map(({ id, name, arguments: args }) => toToolCall(id, name, args));
    const finishReason = reply.finishReason ?? (toolCalls?.length ? 'tool-calls' : 'stop');
    const output: GenerateOutput = { text, finishReason, model: reply.model ?? call.options.model };
    if (toolCalls?.length) output.toolCalls = toolCalls;
    if (reply.reasoning) output.reasoning = reply.reasoning;
    if (this.capabilities.usage) output.usage = reply.usage ?? estimateUsage(call.messages, text);
    if (reply.providerMetadata) output.providerMetadata = reply.providerMetadata;
    return output;
  }

  async #embed(call: BackendEmbedCall): Promise<EmbedOutput> {
    this.calls.push({ operation: 'embed', input: call.input, options: call.options });
    const reply = this.#embedReplies.shift();
    await sleep(reply?.delayMs, call.signal);
    if (reply && 'error' in reply) throw reply.error;
    if (reply) return { embeddings: reply.vectors.map((vector) => [...vector]), model: reply.model ?? call.options.model };
    const dimensions = call.options.dimensions ?? this.#embeddingDimensions;
    return {
      embeddings: call.input.map((text) => deterministicEmbedding(text, dimensions)),
      model: call.options.model,
      ...(this.capabilities.usage ? { usage: { inputTokens: call.input.reduce((sum, text) => sum + tokenEstimate(text), 0) } } : {}),
    };
  }
}

function isFailure(reply: MockReply): reply is MockFailureReply {
  return typeof reply === 'object' && 'error' in reply;
}

/** A message's text: its content, or its text parts joined. */
function messageText(message: Message | undefined): string {
  const content = message?.content ?? '';
  return typeof content === 'string' ? content : content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function echoText(messages: readonly Message[]): string {
  return `Mock reply to: ${messageText(messages.at(-1))}`;
}

function echoReply(messages: readonly Message[]): MockReply {
  return echoText(messages);
}

/**
 * The chunks a reply streams as: the scripted ones (checked against the text),
 * or the text split like the simulator does, into words with their trailing space.
 */
function scriptedChunks(reply: MockTextReply | MockFailureReply, messages: readonly Message[]): readonly string[] {
  const { chunks } = reply;
  const text = reply.text ?? chunks?.join('') ?? echoText(messages);
  if (chunks === undefined) return text.match(/\S+\s*|\s+/g) ?? [];
  if (chunks.join('') !== text) {
    throw new TypeError(`MockLLMClient: the scripted chunks join to ${JSON.stringify(chunks.join(''))}, not the scripted text ${JSON.stringify(text)}.`);
  }
  return chunks;
}

function tokenEstimate(text: string): number {
  return Math.ceil(text.length / 4);
}

function estimateUsage(messages: readonly Message[], text: string): Usage {
  const inputTokens = tokenEstimate(messages.map(messageText).join(''));
  const outputTokens = tokenEstimate(text);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

/** A unit vector that depends only on the text and the length: same text, same vector. */
export function deterministicEmbedding(text: string, dimensions: number): number[] {
  // FNV-1a seeds a small xorshift generator; enough to make distinct texts differ.
  let state = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) state = Math.imul(state ^ text.charCodeAt(i), 0x01000193);
  state ||= 1; // xorshift would stay at zero forever
  const vector: number[] = [];
  for (let i = 0; i < dimensions; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    vector.push(((state >>> 0) / 0xffffffff) * 2 - 1);
  }
  let squares = 0;
  for (const value of vector) squares += value * value;
  const norm = Math.sqrt(squares) || 1;
  return vector.map((value) => value / norm);
}

/** Waits `ms` unless the signal fires first; the timer and listener never outlive the wait. */
function sleep(ms: number | undefined, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (!ms || ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
