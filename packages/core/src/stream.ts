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

/** Yields text chunks and returns the final completion. */
export type CompletionSource = AsyncIterator<string, Completion, undefined>;

const noop = (): void => {};

/**
 * A streamed completion: `for await` it for the text, in order; `completion`
 * resolves with the full text and metadata once the stream has ended (and
 * rejects with the stream's error). The call starts on the first iteration
 * and stops (aborting the request) if the loop exits early.
 */
export class CompletionStream implements AsyncIterable<string> {
  /** Settles when the stream ends. Never causes an unhandled rejection on its own. */
  readonly completion: Promise<Completion>;
  readonly #open: () => CompletionSource;
  #resolve!: (completion: Completion) => void;
  #reject!: (error: unknown) => void;
  #started = false;
  readonly #chunks: string[] = [];

  constructor(open: () => CompletionSource) {
    this.#open = open;
    this.completion = new Promise<Completion>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Callers who only iterate must not get an unhandled rejection from here:
    // the error already reached them through the loop.
    this.completion.catch(noop);
  }

  /** Wraps an async generator that yields text and returns the completion. */
  static from(generator: () => AsyncGenerator<string, Completion, undefined>): CompletionStream {
    return new CompletionStream(generator);
  }

  /** A stream that fails as soon as it is read: how bad input surfaces from `stream()`. */
  static failed(error: unknown): CompletionStream {
    return new CompletionStream(() => ({
      next: () => Promise.reject(error),
    }));
  }

  /** The text delivered so far (all of it once the stream has ended). */
  get text(): string {
    return this.#chunks.join('');
  }

  /** Reads the stream to its end and returns the completion. */
  async collect(): Promise<Completion> {
    for await (const _ of this);
    return this.completion;
  }

  [Symbol.asyncIterator](): AsyncIterator<string, undefined> {
    if (this.#started) throw new TypeError('A CompletionStream can be iterated only once.');
    this.#started = true;
    let source: CompletionSource;
    try {
      source = this.#open();
    } catch (error) {
      source = { next: () => Promise.reject(error) };
    }
    let settled = false;
    const settle = (fn: () => void): void => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    return {
      next: async () => {
        try {
          const result = await source.next();
          if (result.done) {
            settle(() => this.#resolve(result.value));
            return { done: true, value: undefined };
          }
          this.#chunks.push(result.value);
          return result;
        } catch (error) {
          settle(() => this.#reject(error));
          throw error;
        }
      },
      // The loop exited early (break, return, or a throw in its body).
      return: async () => {
        settle(() => this.#reject(new AbortedError({ reason: 'the consumer stopped reading the stream' })));
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
