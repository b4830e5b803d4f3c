import { toRouterError, type RouterError } from './errors.ts';
import { emit, type CallEndEvent, type CallRequest, type RouterListener } from './events.ts';
import { openView, settled, textOf, type CompletionStream, type StreamMode, type StreamPart, type StreamSink } from './stream.ts';
import type { Completion, Embeddings } from './types.ts';

type Step = IteratorResult<string | StreamPart, undefined>;

const ended: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** What a stream call's events name: the call, where it was routed, and the size of its input. */
export interface StreamCallBase {
  callId: number;
  operation: 'stream';
  backend: string;
  model: string;
  inputChars: number;
}

/** What one observed stream call needs from the router. */
export interface ObservedStreamCall {
  listeners: readonly RouterListener[];
  /** Numbers and describes the call: once, when the stream is first read. */
  describe(): StreamCallBase;
  request(): CallRequest;
  /** Opens the routed stream the listeners watch. */
  open(callId: number): CompletionStream;
}

/** What `call-end` says about what a call returned, whatever its operation. */
export function outcome(result: Completion | Embeddings): Pick<CallEndEvent, 'servedBy' | 'adapter' | 'attempts' | 'finishReason' | 'usage' | 'result'> {
  return {
    servedBy: result.backend,
    adapter: result.adapter,
    attempts: result.attempts,
    ...('finishReason' in result && { finishReason: result.finishReason }),
    ...(result.usage && { usage: result.usage }),
    result: () => result,
  };
}

/**
 * The caller's side of a stream the router's listeners watch: it reports the
 * call's start, its first chunk (any item of either view) and its end (or
 * its error, exactly once), counts and records the text it relays, and
 * settles the completion.
 *
 * A plain iterator that maps each item in a `then`, like `BackendStreamReader`
 * and for the same reason: an async generator here costs a turn of the
 * microtask queue for its resume, its `await` and its `yield` on every chunk,
 * and the otel bench measured that layer at 1.09–1.11× the CPU per chunk of
 * the same stream without listeners. The caller reads one chunk at a time
 * (`CompletionStream` has a single consumer). Closures rather than a class:
 * this is on core's main entry, whose size budget private field names (which
 * minifying keeps) would break.
 */
export function observeStream(call: ObservedStreamCall, sink: StreamSink, mode: StreamMode): AsyncIterator<string | StreamPart, undefined> {
  const { listeners } = call;
  let base: StreamCallBase;
  let inner: CompletionStream;
  let source: AsyncIterator<string | StreamPart, unknown> | undefined;
  let started = 0;
  let ttftMs: number | undefined;
  let outputChars = 0;
  /** The routed stream's completion, once it resolved: the parts view still hands out its tool calls and finish after that. */
  let completion: Completion | undefined;
  /** call-end or call-error went out (an abort reports while nobody reads, before reading is over). */
  let reported = false;
  /** Reading is over: the stream ended, failed, or its consumer left. */
  let done = false;

  const open = (): AsyncIterator<string | StreamPart, unknown> => {
    // First, so that a failure from here on is reported with the call's id.
    base = call.describe();
    started = performance.now();
    emit(listeners, { type: 'call-start', ...base, request: call.request });
    inner = call.open(base.callId);
    // An abort ends the call while nobody reads: report it and settle the completion then, not at the next read.
    settled(inner).then((result) => {
      completion = result;
    }, report);
    return openView(inner, mode);
  };

  const read = (result: IteratorResult<string | StreamPart, unknown>): Step | Promise<Step> => {
    if (result.done) return settled(inner).then(end, fail);
    if (ttftMs === undefined) {
      ttftMs = performance.now() - started;
      emit(listeners, { type: 'first-chunk', ...base, ttftMs });
    }
    const text = textOf(result.value);
    outputChars += text.length;
    if (text !== '') sink.chunks.push(text);
    // The parts view's tail (tool calls, finish) comes after the routed stream resolved: the call ended there, as it
    // does without listeners, so a consumer that stops at `finish` gets its completion, not an abort.
    if (completion && !reported) succeed(completion);
    return result as Step;
  };

  /** What call-end and call-error say about the call so far. */
  const soFar = () => ({ ...base, durationMs: performance.now() - started, ...(ttftMs !== undefined && { ttftMs }), outputChars });

  const succeed = (result: Completion): void => {
    reported = true;
    emit(listeners, { type: 'call-end', ...soFar(), ...outcome(result) });
    sink.resolve(result);
  };

  const end = (result: Completion): Step => {
    done = true;
    if (!reported) succeed(result);
    return ended;
  };

  /** Reports the call's failure and settles the completion with it, the first time; returns the typed error. */
  const report = (error: unknown): RouterError => {
    const typed = toRouterError(error, base);
    if (!reported) {
      reported = true;
      emit(listeners, { type: 'call-error', ...soFar(), error: typed });
      sink.reject(typed);
    }
    return typed;
  };

  const fail = (error: unknown): Promise<never> => {
    done = true;
    return Promise.reject(report(error));
  };

  return {
    next() {
      if (done) return Promise.resolve(ended);
      try {
        source ??= open();
      } catch (error) {
        return fail(error);
      }
      return source.next().then(read, fail);
    },
    /**
     * The consumer left early: close the routed stream, which stops its request. Closing a
     * `CompletionStream` first rejects its completion with an abort, which `open` reports.
     */
    async return() {
      const reading = done ? undefined : source;
      done = true;
      await reading?.return?.();
      return ended;
    },
  };
}
