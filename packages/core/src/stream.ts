import { AbortedError } from './errors.ts';
import type { Completion, FinishReason, Usage } from './types.ts';

/** What a backend's stream produces: text in order, then one finish part. */
export type StreamPart =
  | { type: 'text'; text: string }
  | {
      type: 'finish';
      finishReason: FinishReason;
      usage?: Usage;
      /** The model that served, if the service reported it. */
      model?: string;
      providerMetadata?: Record<string, unknown>;
    };

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

/** Makes a stream's text: yields the chunks, records them in `sink`, and settles it when the stream ends or fails. */
export type StreamProducer = (sink: StreamSink) => AsyncIterator<string, unknown, undefined>;

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
  readonly #sink: StreamSink;
  #completion: Promise<Completion> | undefined;
  #started = false;

  constructor(produce: StreamProducer) {
    this.#produce = produce;
    let sink!: StreamSink;
    this.#settled = new Promise<Completion>((resolve, reject) => {
      sink = { chunks: [], resolve, reject };
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
    return new CompletionStream(async function* relay(sink) {
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
    });
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
    if (this.#started) throw new TypeError('A CompletionStream can be iterated only once.');
    this.#started = true;
    const sink = this.#sink;
    let source: AsyncIterator<string, unknown, undefined>;
    try {
      source = this.#produce(sink);
    } catch (error) {
      sink.reject(error);
      source = { next: () => Promise.reject(error) };
    }
    return {
      next: () => source.next(),
      // The loop exited early (break, return, or a throw in its body).
      return: async () => {
        sink.reject(new AbortedError({ reason: 'the consumer stopped reading the stream' }));
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
