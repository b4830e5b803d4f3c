import { toToolCall } from '@router/core/adapter';
import type { FinishReason, GenerateOutput, StreamPart, ToolCall, Usage } from '@router/core';
import { APIError } from 'openai';
import { argumentsText, DeltaParts, fallbackToolCallId, reasoningOf } from './stream-deltas.ts';
import type { WireDelta } from './stream-deltas.ts';

const finishReasons: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  error: 'error',
};

/** Maps the wire finish reason; a missing one is `unknown`, an unfamiliar one `other`. */
export function toFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === null || reason === undefined) return 'unknown';
  return finishReasons[reason] ?? 'other';
}

interface WireUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  /** OpenRouter and some gateways report the cost here. */
  cost?: unknown;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

export function toUsage(usage: WireUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  const result: Usage = {};
  if (typeof usage.prompt_tokens === 'number') result.inputTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === 'number') result.outputTokens = usage.completion_tokens;
  if (typeof usage.total_tokens === 'number') result.totalTokens = usage.total_tokens;
  else if (result.inputTokens !== undefined && result.outputTokens !== undefined) result.totalTokens = result.inputTokens + result.outputTokens;
  const reasoningTokens = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoningTokens === 'number') result.reasoningTokens = reasoningTokens;
  const cachedTokens = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cachedTokens === 'number') result.cachedInputTokens = cachedTokens;
  if (typeof usage.cost === 'number') result.cost = usage.cost;
  return result;
}

/** An answer's tool call as servers send it (`type` is `function`, or missing on some). */
interface WireToolCall {
  id?: string | null;
  type?: string;
  function?: { name?: string | null; arguments?: unknown } | null;
}

/** A non-streamed answer's message, loosened for servers that omit fields. */
export interface WireMessage extends Omit<WireDelta, 'tool_calls'> {
  tool_calls?: readonly WireToolCall[] | null;
}

export interface WireCompletion {
  model?: string;
  choices?: readonly { message?: WireMessage | null; finish_reason?: string | null }[] | null;
  usage?: WireUsage | null;
}

/** The function calls of an answer, arguments parsed where they parse; other tool kinds (custom tools) are left out. */
function toToolCalls(calls: readonly WireToolCall[]): ToolCall[] {
  const toolCalls: ToolCall[] = [];
  calls.forEach((call, index) => {
    if (call.type !== undefined && call.type !== 'function') return;
    toolCalls.push(toToolCall(call.id || fallbackToolCallId(index), call.function?.name ?? '', argumentsText(call.function?.arguments)));
  });
  return toolCalls;
}

/** What `generate` returns for the first choice of an answer; `keepReasoning` false leaves the reasoning text out. */
export function toGenerateOutput(completion: WireCompletion, choice: NonNullable<WireCompletion['choices']>[number], keepReasoning: boolean): GenerateOutput {
  const message = choice.message ?? {};
  const output: GenerateOutput = {
    text: message.content ?? '',
    finishReason: toFinishReason(choice.finish_reason),
    usage: toUsage(completion.usage),
    model: completion.model || undefined,
  };
  if (message.tool_calls?.length) output.toolCalls = toToolCalls(message.tool_calls);
  const reasoning = keepReasoning ? reasoningOf(message) : undefined;
  if (reasoning !== undefined) output.reasoning = reasoning;
  return output;
}

/** The parts of a streamed chunk this adapter reads (the SDK's type, loosened for servers that omit fields). */
export interface WireChunk {
  /** `chat.completion.chunk`; `error` for the flat error event of vLLM before 0.10.1. */
  object?: string;
  model?: string;
  choices?: readonly { delta?: WireDelta | null; finish_reason?: string | null }[] | null;
  usage?: WireUsage | null;
}

const ended: IteratorReturnResult<undefined> = { done: true, value: undefined };

export interface StreamPartsOptions {
  /** Default true; false drops reasoning deltas (the call asked for `reasoning.exclude`). */
  keepReasoning?: boolean;
}

/**
 * Turns wire chunks (`eventChunks`, or the promise of them) into core's stream parts. The
 * finish part is held back until the stream ends, because usage may come in
 * a later chunk. Once a finish reason has arrived, later chunks only
 * contribute usage: some servers (mlx-omni-server) repeat the finish chunk,
 * and its content must not be counted twice. Usage is taken from the last
 * chunk that carries it, never summed.
 *
 * A plain iterator that maps each chunk in a `then`, not an async generator:
 * a generator layer costs about five times as much per chunk (its resume,
 * its `await` and its `yield` each take a turn of the microtask queue), and
 * the bench profiled this converter at 0.85 µs of every chunk's cost with 256
 * streams in flight. Ending the iterator early ends the chunk reader, which
 * closes the connection.
 *
 * A delta with only text costs what it did before tools existed: three
 * property reads decide it carries nothing else. Reasoning and tool-call
 * deltas, which may hold several parts, go through `DeltaParts` and hand
 * out the parts after the first one from a queue.
 */
export function toStreamParts(
  chunks: AsyncIterable<WireChunk> | Promise<AsyncIterable<WireChunk>>,
  { keepReasoning = true }: StreamPartsOptions = {},
): AsyncIterableIterator<StreamPart, undefined> {
  let source: AsyncIterator<WireChunk> | undefined;
  let opening: Promise<AsyncIterator<WireChunk>> | undefined;
  let finishReason: FinishReason | undefined;
  let usage: Usage | undefined;
  let model: string | undefined;
  let finished = false;
  let deltaParts: DeltaParts | undefined;
  /** Parts of the last delta still to hand out (a delta with reasoning or tool calls may hold several). */
  let queued: StreamPart[] | undefined;

  const handOutQueued = (): IteratorResult<StreamPart, undefined> => {
    const part = queued!.shift()!;
    if (queued!.length === 0) queued = undefined;
    return { done: false, value: part };
  };

  const read = (result: IteratorResult<WireChunk>): IteratorResult<StreamPart, undefined> | Promise<IteratorResult<StreamPart, undefined>> => {
    if (result.done) {
      // No finish reason: core reports an incomplete stream (or the abort that ended it).
      if (finished || finishReason === undefined) return ended;
      finished = true;
      const finish: StreamPart = { type: 'finish', finishReason };
      if (usage) finish.usage = usage;
      if (model) finish.model = model;
      return { done: false, value: finish };
    }
    const chunk = result.value;
    // The chunk reader throws, as the SDK does, for an event with an `error` key, not for a flat
    // `{"object": "error", message, code}`: thrown the same way, it is mapped the same way.
    if (chunk.object === 'error') throw new APIError(undefined, chunk, undefined, undefined);
    if (chunk.model) model = chunk.model;
    if (chunk.usage) usage = toUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (choice && finishReason === undefined) {
      const delta = choice.delta;
      if (choice.finish_reason) finishReason = toFinishReason(choice.finish_reason);
      if (delta) {
        if (DeltaParts.carriesMore(delta)) {
          const parts = (deltaParts ??= new DeltaParts(keepReasoning)).partsOf(delta);
          if (parts.length > 0) {
            queued = parts;
            return handOutQueued();
          }
        } else if (delta.content) return { done: false, value: { type: 'text', text: delta.content } };
      }
    }
    // Nothing to hand on (a role-only delta, a repeated finish, usage alone): read the next chunk.
    return source!.next().then(read);
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => {
      if (queued) return Promise.resolve(handOutQueued());
      if (source) return source.next().then(read);
      opening ??= Promise.resolve(chunks).then((opened) => (source = opened[Symbol.asyncIterator]()));
      return opening.then((opened) => opened.next()).then(read);
    },
    return: async () => {
      finished = true;
      queued = undefined;
      // Left while the response was still on its way: end it once it is there, or it would run on unread.
      const opened = source ?? (await opening?.catch(() => undefined));
      await opened?.return?.();
      return ended;
    },
  };
}
