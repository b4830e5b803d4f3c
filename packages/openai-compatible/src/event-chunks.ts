import type { Readable } from 'node:stream';
import { APIError, OpenAIError } from 'openai';
import { takeRawBody } from './http-fetch.ts';
import type { WireChunk } from './response.ts';
import { defaultMaxEventBytes, SseDecoder } from './sse-decoder.ts';

/** What a reader reads past the `[DONE]` event at most, waiting for the body's end, before it gives up and cuts it. */
const maxDrainBytes = 64 * 1024;
/** Chunks decoded ahead of the consumer at most; past it the socket is paused, so a slow consumer slows the server. */
const maxQueued = 32;

const ended: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Where the bytes come from: the node stream behind `httpFetch`'s response, or any response's web body. */
interface ByteSource {
  pause(): void;
  resume(): void;
  /** Stops reading and closes the connection. */
  destroy(): void;
}

interface ByteSink {
  bytes(chunk: Uint8Array): void;
  end(): void;
  error(error: unknown): void;
}

function nodeSource(stream: Readable, sink: ByteSink): ByteSource {
  stream.on('data', (chunk: Buffer) => sink.bytes(chunk));
  stream.once('end', () => sink.end());
  stream.once('error', (error) => sink.error(error));
  // Closed without an end or an error: the connection went away under the body.
  stream.once('close', () => sink.error(Object.assign(new Error('terminated'), { code: 'ECONNRESET' })));
  return { pause: () => stream.pause(), resume: () => stream.resume(), destroy: () => stream.destroy() };
}

function webSource(body: ReadableStream<Uint8Array>, sink: ByteSink): ByteSource {
  const reader = body.getReader();
  let paused = false;
  let pumping = false;
  let stopped = false;
  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    try {
      while (!paused && !stopped) {
        const { done, value } = await reader.read();
        if (stopped) return;
        if (done) return sink.end();
        sink.bytes(value);
      }
    } catch (error) {
      if (!stopped) sink.error(error);
    } finally {
      pumping = false;
    }
  };
  void pump();
  return {
    pause: () => void (paused = true),
    resume: () => {
      paused = false;
      void pump();
    },
    destroy: () => {
      stopped = true;
      reader.cancel().catch(() => undefined);
    },
  };
}

/**
 * The chunks of a streamed chat completion, read from the response's bytes
 * as the `openai` SDK's `Stream` would yield them, at a fraction of its cost
 * per chunk: no async generators, no per-line strings, one `JSON.parse` per
 * event. Its rules are the SDK's: `[DONE]` ends the chunks; an `error` event,
 * or an event whose data has an `error`, throws the SDK's `APIError`; data
 * that is not JSON throws a `SyntaxError`; an event larger than
 * `maxEventBytes` (or a line that never ends) throws an `EventTooLargeError`
 * and closes the connection; an error of the body after the call's signal
 * fired ends the chunks quietly (core reports the abort).
 *
 * The iterator ends only when the body has ended, not at `[DONE]`: a server
 * that counts a request as running until its response is over (Featherless's
 * plan) would otherwise refuse the next request that a client-side limiter let
 * through at exactly the plan, and the limiter's slot is held until then. The
 * rest of the body after `[DONE]` (the chunked terminator, a few bytes) is
 * read up to a bound. Leaving early, or the call's signal firing, closes the
 * connection at once.
 */
export function eventChunks(response: Response, signal: AbortSignal, maxEventBytes: number = defaultMaxEventBytes): AsyncIterableIterator<WireChunk, undefined> {
  return new EventChunks(response, signal, maxEventBytes);
}

class EventChunks implements AsyncIterableIterator<WireChunk, undefined>, ByteSink {
  readonly #headers: Headers;
  readonly #signal: AbortSignal;
  /** The signal `httpFetch` was handed: the SDK's, which carries the caller's abort when it was given one. */
  readonly #requestSignal: AbortSignal | undefined;
  readonly #decoder: SseDecoder;
  readonly #source: ByteSource | undefined;
  #queue: WireChunk[] = [];
  #head = 0;
  #paused = false;
  /** `[DONE]` arrived: later events are ignored, and the rest of the body is only waited for. */
  #sentinel = false;
  #drainedBytes = 0;
  #done = false;
  #failure: { error: unknown } | undefined;
  #waiter: { resolve: (result: IteratorResult<WireChunk, undefined>) => void; reject: (error: unknown) => void } | undefined;
  #onDone: (() => void) | undefined;
  readonly #onAbort = (): void => this.#stop();

  constructor(response: Response, signal: AbortSignal, maxEventBytes: number) {
    this.#decoder = new SseDecoder((name, data) => this.#event(name, data), maxEventBytes);
    this.#headers = response.headers;
    this.#signal = signal;
    const raw = takeRawBody(response);
    this.#requestSignal = raw?.signal;
    if (raw === undefined && !response.body) {
      this.#failure = { error: new OpenAIError('Attempted to iterate over a response with no body') };
      this.#done = true;
      return;
    }
    if (signal.aborted) {
      this.#done = true;
      if (raw) raw.stream.destroy();
      else response.body!.cancel().catch(() => undefined);
      return;
    }
    signal.addEventListener('abort', this.#onAbort, { once: true });
    this.#source = raw ? nodeSource(raw.stream, this) : webSource(response.body!, this);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<WireChunk, undefined>> {
    if (this.#head < this.#queue.length) {
      const value = this.#shift();
      if (this.#paused && this.#queue.length - this.#head < maxQueued / 2) {
        this.#paused = false;
        this.#source!.resume();
      }
      return Promise.resolve({ done: false, value });
    }
    const failure = this.#failure;
    if (failure) {
      this.#failure = undefined;
      return Promise.reject(failure.error);
    }
    if (this.#done) return Promise.resolve(ended);
    if (this.#paused) {
      this.#paused = false;
      this.#source!.resume();
    }
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /** Left early: after `[DONE]`, waits (boundedly) for the body's end; otherwise closes the connection. */
  async return(): Promise<IteratorResult<WireChunk, undefined>> {
    this.#queue = [];
    this.#head = 0;
    this.#failure = undefined;
    if (this.#done) return ended;
    if (!this.#sentinel) {
      this.#stop();
      return ended;
    }
    const finished = new Promise<void>((resolve) => (this.#onDone = resolve));
    this.#paused = false;
    this.#source!.resume();
    await finished;
    return ended;
  }

  bytes(chunk: Uint8Array): void {
    if (this.#done) return;
    if (this.#sentinel) {
      this.#drainedBytes += chunk.byteLength;
      if (this.#drainedBytes > maxDrainBytes) this.#stop();
      return;
    }
    try {
      this.#decoder.push(chunk);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (!this.#paused && this.#queue.length - this.#head >= maxQueued) {
      this.#paused = true;
      this.#source!.pause();
    }
  }

  end(): void {
    if (this.#done) return;
    try {
      this.#decoder.end();
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#finish();
  }

  error(error: unknown): void {
    if (this.#done) return;
    // An abort of the call, or a body cut after `[DONE]`, ends the chunks as the SDK's stream does: quietly.
    if (this.#sentinel || this.#signal.aborted || this.#requestSignal?.aborted) this.#finish();
    else this.#fail(error);
  }

  #event(name: string | undefined, data: string): void {
    if (this.#sentinel) return;
    if (data === '[DONE]') {
      this.#sentinel = true;
      return;
    }
    let chunk: (WireChunk & { error?: unknown }) | null;
    try {
      chunk = JSON.parse(data) as (WireChunk & { error?: unknown }) | null;
    } catch {
      throw new SyntaxError('Error reading response: malformed server-sent event JSON.');
    }
    // The Assistants API's events; chat completions never send them, and the SDK would hand them on as non-chunks.
    if (name?.startsWith('thread.')) return;
    if (name === 'error') throw new APIError(undefined, (chunk as { error?: object } | null)?.error ?? chunk ?? undefined, undefined, this.#headers);
    if (chunk?.error) throw new APIError(undefined, chunk.error as object, undefined, this.#headers);
    if (chunk === null) return;
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#head === this.#queue.length) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: chunk });
    } else this.#queue.push(chunk);
  }

  #shift(): WireChunk {
    const value = this.#queue[this.#head]!;
    this.#head += 1;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
    return value;
  }

  /** Stops reading and closes the connection; the chunks end without an error. */
  #stop(): void {
    if (this.#done) return;
    this.#source?.destroy();
    this.#finish();
  }

  #fail(error: unknown): void {
    if (this.#done) return;
    this.#source?.destroy();
    this.#failure = { error };
    this.#finish();
  }

  #finish(): void {
    this.#done = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#onDone?.();
    const waiter = this.#waiter;
    if (waiter === undefined || this.#head < this.#queue.length) return;
    this.#waiter = undefined;
    const failure = this.#failure;
    if (failure) {
      this.#failure = undefined;
      waiter.reject(failure.error);
    } else waiter.resolve(ended);
  }
}
