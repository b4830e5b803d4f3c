import { AbortedError } from './errors.ts';
import type { Completion, FinishReason, ToolCall, Usage } from './types.ts';

/** The end of a stream: why it stopped, with what the service reported about it. */
export interface FinishPart {
  type: 'finish';
  finishReason: FinishReason;
  usage?: Usage;
  /** The model that served, if the service reported it. */
  model?: string;
  providerMetadata?: Record<string, unknown>;
}

/**
 * The typed parts of a stream, in order: what an adapter yields, and what
 * `stream.parts()` yields to the caller. A tool call opens with its id and
 * name, its arguments follow in pieces (parallel calls interleave, told apart
 * by `index`), and a `tool-call` part carries it whole: core assembles it, so
 * adapters yield only the first two kinds; the parts view gives every
 * complete call before `finish`.
 */
export type StreamPart =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  | { type: 'tool-call'; index: number; toolCall: ToolCall }
  | FinishPart;

/** Which view of a stream a consumer reads: text chunks, or typed parts. */
export type StreamMode = 'text' | 'parts';

/**
 * What a stream's producer reports to its `CompletionStream`: the chunks it
 * yields (behind `text`) and how the stream ended (behind `completion`).
 * The first settlement wins.
 */
export interface StreamSink {
  /** The producer adds each chunk here before yielding it. */
  readonly chunks: string[];
  resolve(completion: Completion): void;
  reject(error: unknown): void;
}

/**
 * Makes a stream: yields its text chunks (mode `text`) or its typed parts
 * (mode `parts`), records the text in `sink`, and settles it when the stream
 * ends or fails. A producer that only knows text may ignore the mode: the
 * parts view then turns its chunks into text parts.
 */
export type StreamProducer = (sink: StreamSink, mode: StreamMode) => AsyncIterator<string | StreamPart, unknown, undefined>;

const noop = (): void => {};

/**
 * `completion` as handed to callers: awaiting it (or `then`, `catch`,
 * `finally`) on a stream nobody iterates starts the stream and reads it to
 * its end, so `await llm.stream(...).completion` cannot hang. The start waits
 * one microtask, so `stream.completion.catch(...)` followed at once by a
 * `for await` still leaves the stream to that loop.
 */
class StartingPromise<T> extends Promise<T> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  #start: (() => void) | undefined;

  static of<T>(settled: Promise<T>, start: () => void): StartingPromise<T> {
    const promise = new StartingPromise<T>((resolve, reject) => {
      settled.then(resolve, reject);
    });
    promise.#start = start;
    // Never an unhandled rejection of its own (the base `then` does not start the stream).
    Promise.prototype.then.call(promise, undefined, noop);
    return promise;
  }

  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const start = this.#start;
    if (start) {
      this.#start = undefined;
      queueMicrotask(start);
    }
    return super.then(onFulfilled, onRejected);
  }
}

let settledOf: (stream: CompletionStream) => Promise<Completion> | undefined;

/** How a stream ended, without starting it: what the layers of core read from the streams they wrap. */
export function settled(stream: CompletionStream): Promise<Completion> {
  // A stream from another copy of core has no private field this copy can read.
  return settledOf(stream) ?? stream.completion;
}

/**
 * A streamed completion: `for await` it for the text, in order; `completion`
 * resolves with the full text and metadata once the stream has ended (and
 * rejects with the stream's error). The call starts on the first iteration
 * and stops (aborting the request) if the loop exits early. Awaiting
 * `completion` (or `collect()`) on a stream nobody iterates starts it and
 * reads it to the end; iterating it after that throws a TypeError.
 *
 * The caller's loop reads the producer itself: a wrapper in between would be
 * one more promise per chunk at every layer (backend, reliability, hooks),
 * so the producer records its chunks and settles `completion` through the
 * sink. `CompletionStream.from` does that for a plain generator.
 */
export class CompletionStream implements AsyncIterable<string> {
  static {
    settledOf = (stream) => (#settled in stream ? stream.#settled : undefined);
  }

  readonly #settled: Promise<Completion>;
  readonly #produce: StreamProducer;
  /** The producer yields text whatever the mode (`from`): the parts view converts. */
  readonly #textOnly: boolean;
  readonly #sink: StreamSink;
  #completion: Promise<Completion> | undefined;
  #started = false;
  /** Settled: a loop that exits now has nothing left to abort. */
  #ended = false;

  constructor(produce: StreamProducer, options: { textOnly?: boolean } = {}) {
    this.#produce = produce;
    this.#textOnly = options.textOnly ?? false;
    let sink!: StreamSink;
    this.#settled = new Promise<Completion>((resolve, reject) => {
      sink = {
        chunks: [],
        resolve: (completion) => {
          this.#ended = true;
          resolve(completion);
        },
        reject: (error) => {
          this.#ended = true;
          reject(error);
        },
      };
    });
    this.#sink = sink;
    // Callers who only iterate must not get an unhandled rejection from here:
    // the error already reached them through the loop.
    this.#settled.catch(noop);
  }

  /** Settles when the stream ends, for any reason. Never causes an unhandled rejection on its own. */
  get completion(): Promise<Completion> {
    return (this.#completion ??= StartingPromise.of(this.#settled, () => {
      if (!this.#started) this.#drain();
    }));
  }

  #drain(): void {
    (async () => {
      for await (const _ of this);
    })().catch(noop);
  }

  /** Wraps an async generator that yields text and returns the completion (one relay step per chunk). */
  static from(generator: () => AsyncGenerator<string, Completion, undefined>): CompletionStream {
    return new CompletionStream(
      async function* relay(sink) {
        const source: AsyncIterator<string, Completion, undefined> = generator();
        try {
          let result = await source.next();
          for (; !result.done; result = await source.next()) {
            sink.chunks.push(result.value);
            yield result.value;
          }
          sink.resolve(result.value);
        } catch (error) {
          sink.reject(error);
          throw error;
        } finally {
          await source.return?.();
        }
      },
      { textOnly: true },
    );
  }

  /** A stream that fails as soon as it is read: how bad input surfaces from `stream()`. */
  static failed(error: unknown): CompletionStream {
    return new CompletionStream((sink) => {
      sink.reject(error);
      return { next: () => Promise.reject(error) };
    });
  }

  /** The text delivered so far (all of it once the stream has ended). */
  get text(): string {
    return this.#sink.chunks.join('');
  }

  /** Reads the stream to its end and returns the completion. */
  async collect(): Promise<Completion> {
    if (this.#started) return this.#settled;
    for await (const _ of this);
    return this.#settled;
  }

  [Symbol.asyncIterator](): AsyncIterator<string, unknown> {
    return this.#open('text') as AsyncIterator<string, unknown>;
  }

  /**
   * The same stream as typed parts, in order: text and reasoning deltas, tool
   * calls (start, argument pieces, complete), then `finish`. It is a second
   * view of one stream, not a copy: a stream is read once, either as text or
   * as parts, and opening the other view afterwards throws a TypeError.
   */
  parts(): AsyncIterable<StreamPart> {
    return { [Symbol.asyncIterator]: () => this.#open('parts') as AsyncIterator<StreamPart, unknown> };
  }

  #open(mode: StreamMode): AsyncIterator<string | StreamPart, unknown> {
    if (this.#started) throw new TypeError('A CompletionStream is read once: as text (for await) or as parts (parts()), not both.');
    this.#started = true;
    const sink = this.#sink;
    let source: AsyncIterator<string | StreamPart, unknown, undefined>;
    try {
      source = this.#produce(sink, mode);
      if (mode === 'parts' && this.#textOnly) source = asParts(source, this.#settled);
    } catch (error) {
      sink.reject(error);
      source = { next: () => Promise.reject(error) };
    }
    return {
      next: () => source.next(),
      // The loop exited early (break, return, or a throw in its body).
      return: async () => {
        // Built only when it can matter: an error's stack trace is costly, and a loop that read to the end returns too.
        if (!this.#ended) sink.reject(new AbortedError({ reason: 'the consumer stopped reading the stream' }));
        try {
          await source.return?.();
        } catch {
          // Cleanup failures after the caller walked away have no one to report to.
        }
        return { done: true, value: undefined };
      },
    };
  }
}

/** The parts view of a producer that yields text only: its chunks as text parts, then tool calls and finish from its completion. */
function asParts(source: AsyncIterator<string | StreamPart, unknown>, settled: Promise<Completion>): AsyncIterator<StreamPart, unknown> {
  let ending: StreamPart[] | undefined;
  return {
    async next() {
      if (!ending) {
        const result = await source.next();
        if (!result.done) return { done: false, value: typeof result.value === 'string' ? { type: 'text', text: result.value } : result.value };
        const completion = await settled;
        ending = [
          ...(completion.toolCalls ?? []).map((toolCall, index): StreamPart => ({ type: 'tool-call', index, toolCall })),
          { type: 'finish', finishReason: completion.finishReason, ...(completion.usage && { usage: completion.usage }), model: completion.model },
        ];
      }
      const part = ending.shift();
      return part ? { done: false, value: part } : { done: true, value: undefined };
    },
    return: async () => {
      await source.return?.();
      return { done: true, value: undefined };
    },
  };
}

/** Opens `stream` in `mode`: what a layer wrapping another stream reads it with. */
export function openView(stream: CompletionStream, mode: StreamMode): AsyncIterator<string | StreamPart, unknown> {
  return mode === 'text' ? stream[Symbol.asyncIterator]() : stream.parts()[Symbol.asyncIterator]();
}

/** The text an item of either view carries ('' for parts that carry none). */
export function textOf(item: string | StreamPart): string {
  return typeof item === 'string' ? item : item.type === 'text' ? item.text : '';
}
