import type { FinishReason, StreamPart, Usage } from '@router/core';
import { APIError } from 'openai';

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
}

export function toUsage(usage: WireUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  const result: Usage = {};
  if (typeof usage.prompt_tokens === 'number') result.inputTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === 'number') result.outputTokens = usage.completion_tokens;
  if (typeof usage.total_tokens === 'number') result.totalTokens = usage.total_tokens;
  else if (result.inputTokens !== undefined && result.outputTokens !== undefined) result.totalTokens = result.inputTokens + result.outputTokens;
  if (typeof usage.cost === 'number') result.cost = usage.cost;
  return result;
}

/** The parts of a streamed chunk this adapter reads (the SDK's type, loosened for servers that omit fields). */
export interface WireChunk {
  /** `chat.completion.chunk`; `error` for the flat error event of vLLM before 0.10.1. */
  object?: string;
  model?: string;
  choices?: readonly { delta?: { content?: string | null } | null; finish_reason?: string | null }[] | null;
  usage?: WireUsage | null;
}

const ended: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Aborts the SDK stream's request, body read included, when `signal` fires (at once if it has). */
function abortWith(signal: AbortSignal, stream: AsyncIterable<WireChunk>): void {
  const controller = (stream as { controller?: AbortController }).controller;
  if (!controller) return;
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
}

/**
 * Turns SDK chunks (or the promise of them) into core's stream parts. The
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
 * streams in flight. Ending the iterator early ends the SDK's, which aborts
 * the request.
 */
export function toStreamParts(
  chunks: AsyncIterable<WireChunk> | Promise<AsyncIterable<WireChunk>>,
  /** Aborts the SDK's stream (its `controller`) when it fires: the call's signal, when the SDK was not handed it. */
  abortOn?: AbortSignal,
): AsyncIterableIterator<StreamPart, undefined> {
  let source: AsyncIterator<WireChunk> | undefined;
  let opening: Promise<AsyncIterator<WireChunk>> | undefined;
  let finishReason: FinishReason | undefined;
  let usage: Usage | undefined;
  let model: string | undefined;
  let finished = false;

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
    // The SDK throws for an event with an `error` key, not for a flat `{"object": "error", message, code}`:
    // thrown the same way, it is mapped the same way.
    if (chunk.object === 'error') throw new APIError(undefined, chunk, undefined, undefined);
    if (chunk.model) model = chunk.model;
    if (chunk.usage) usage = toUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (choice && finishReason === undefined) {
      const text = choice.delta?.content;
      if (choice.finish_reason) finishReason = toFinishReason(choice.finish_reason);
      if (text) return { done: false, value: { type: 'text', text } };
    }
    // Nothing to hand on (a role-only delta, a repeated finish, usage alone): read the next chunk.
    return source!.next().then(read);
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => {
      if (source) return source.next().then(read);
      opening ??= Promise.resolve(chunks).then((opened) => {
        if (abortOn) abortWith(abortOn, opened);
        return (source = opened[Symbol.asyncIterator]());
      });
      return opening.then((opened) => opened.next()).then(read);
    },
    return: async () => {
      finished = true;
      // Left while the response was still on its way: end it once it is there, or it would run on unread.
      const opened = source ?? (await opening?.catch(() => undefined));
      await opened?.return?.();
      return ended;
    },
  };
}
