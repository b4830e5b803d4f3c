import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AbortedError,
  BackendError,
  StreamInterruptedError,
  TimeoutError,
  UnsupportedOperationError,
  type BackendCall,
  type StreamPart,
} from '../src/index.ts';
import { createBackend } from '../src/adapter.ts';

const msgs = [{ role: 'user' as const, content: 'hello' }];

/** A backend whose stream is scripted per test. */
function scripted(script: (call: BackendCall) => AsyncGenerator<StreamPart>) {
  const seen: BackendCall[] = [];
  const backend = createBackend({
    name: 'scripted',
    async generate(call) {
      seen.push(call);
      await sleep(call.options.maxTokens ?? 0, undefined, { signal: call.signal });
      return { text: 'done', finishReason: 'stop', model: 'served-model' };
    },
    stream(call) {
      seen.push(call);
      return script(call);
    },
  });
  return { backend, seen };
}

async function* words(...chunks: string[]): AsyncGenerator<StreamPart> {
  for (const text of chunks) yield { type: 'text', text };
  yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: chunks.length } };
}

const unhandled: unknown[] = [];
const collect = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', collect);
});
/** One turn of the event loop: every pending microtask has run, and Node has reported unhandled rejections. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(async () => {
  await nextTurn();
  process.off('unhandledRejection', collect);
  expect(unhandled).toEqual([]);
});

describe('createBackend: generate', () => {
  it('adds backend, model, attempts and timings that cover the call', async () => {
    let entered = 0;
    let release = (): void => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const backend = createBackend({
      name: 'scripted',
      async generate() {
        entered = performance.now();
        await released;
        return { text: 'done', finishReason: 'stop', model: 'served-model' };
      },
      stream: () => words(),
    });
    const before = Date.now();
    const outerStart = performance.now();
    const pending = backend.generate(msgs, { model: 'asked' });
    // Let some time pass while the backend is inside the call; the bounds below use what was measured.
    await sleep(20);
    const releasedAt = performance.now();
    release();
    const completion = await pending;
    const outerMs = performance.now() - outerStart;
    const after = Date.now();
    expect(completion).toMatchObject({ text: 'done', backend: 'scripted', model: 'served-model', attempts: 1, finishReason: 'stop' });
    expect(entered).toBeGreaterThan(0);
    expect(completion.timings.startedAt).toBeGreaterThanOrEqual(before);
    expect(completion.timings.startedAt).toBeLessThanOrEqual(after);
    // Timed from before the backend ran until after it returned: at least the wait inside, at most what the caller saw.
    expect(completion.timings.totalMs).toBeGreaterThanOrEqual(releasedAt - entered);
    expect(completion.timings.totalMs).toBeLessThanOrEqual(outerMs);
  });

  it('a deadline becomes a TimeoutError and aborts the request signal', async () => {
    const { backend, seen } = scripted(() => words());
    const error = await backend.generate(msgs, { model: 'm', maxTokens: 5_000, timeoutMs: 20 }).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ phase: 'total', backend: 'scripted', model: 'm', isRetryable: true });
    expect(seen[0]?.signal.aborted).toBe(true);
  });

  it('the caller abort becomes an AbortedError, and the listener on a long-lived signal is removed', async () => {
    const { backend } = scripted(() => words());
    const longLived = new AbortController();
    for (let i = 0; i < 50; i++) await backend.generate(msgs, { model: 'm', signal: longLived.signal });
    expect(getEventListeners(longLived.signal, 'abort')).toHaveLength(0);
    const pending = backend.generate(msgs, { model: 'm', maxTokens: 5_000, signal: longLived.signal });
    longLived.abort();
    await expect(pending).rejects.toSatisfy(AbortedError.isInstance);
  });

  it('an already-aborted signal fails before the backend is called', async () => {
    const { backend, seen } = scripted(() => words());
    await expect(backend.generate(msgs, { model: 'm', signal: AbortSignal.abort() })).rejects.toSatisfy(AbortedError.isInstance);
    expect(seen).toHaveLength(0);
  });

  it('unknown errors are wrapped as BackendError with the backend name', async () => {
    const backend = createBackend({
      name: 'flaky',
      generate: () => Promise.reject(new Error('socket hang up')),
      stream: () => words(),
    });
    const error = await backend.generate(msgs, { model: 'm' }).catch((e: unknown) => e);
    expect(BackendError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('flaky: socket hang up');
  });

  it('embed without support is a typed UnsupportedOperationError', async () => {
    const { backend } = scripted(() => words());
    await expect(backend.embed('x', { model: 'm' })).rejects.toSatisfy(UnsupportedOperationError.isInstance);
  });
});

describe('createBackend: stream', () => {
  it('yields text in order and reports metadata after the end', async () => {
    const { backend } = scripted(() => words('a', '', 'b', 'c'));
    const stream = backend.stream(msgs, { model: 'm' });
    const seen: string[] = [];
    for await (const chunk of stream) seen.push(chunk);
    expect(seen).toEqual(['a', 'b', 'c']);
    const completion = await stream.completion;
    expect(completion).toMatchObject({ text: 'abc', finishReason: 'stop', backend: 'scripted', usage: { outputTokens: 4 } });
    expect(completion.timings.firstChunkMs).toBeTypeOf('number');
    expect(completion.timings.firstChunkMs).toBeLessThanOrEqual(completion.timings.totalMs);
    expect(stream.text).toBe('abc');
  });

  it('does not start the call until it is read', async () => {
    const { backend, seen } = scripted(() => words('a'));
    backend.stream(msgs, { model: 'm' });
    // Starting needs no timer: had it started, it would have by the next turn of the event loop.
    await nextTurn();
    expect(seen).toHaveLength(0);
  });

  it('can be iterated only once', async () => {
    const { backend } = scripted(() => words('a'));
    const stream = backend.stream(msgs, { model: 'm' });
    await stream.collect();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/read once/);
  });

  it('a failure after text is a StreamInterruptedError carrying exactly the delivered text', async () => {
    const { backend } = scripted(async function* () {
      yield { type: 'text', text: 'Hello, ' };
      yield { type: 'text', text: 'wor' };
      throw new Error('connection reset');
    });
    const stream = backend.stream(msgs, { model: 'm' });
    const delivered: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) delivered.push(chunk);
    })().catch((e: unknown) => e);
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    expect((error as StreamInterruptedError).partialText).toBe('Hello, wor');
    expect(delivered.join('')).toBe('Hello, wor');
    expect((error as StreamInterruptedError).isRetryable).toBe(false);
    expect(BackendError.isInstance((error as Error).cause)).toBe(true);
    await expect(stream.completion).rejects.toBe(error);
  });

  it('a failure before any text is the typed cause itself (safe to retry)', async () => {
    const { backend } = scripted(async function* () {
      throw new BackendError('overloaded', { status: 503, isRetryable: true });
    });
    const error = await backend.stream(msgs, { model: 'm' }).collect().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, isRetryable: true });
    expect(StreamInterruptedError.isInstance(error)).toBe(false);
  });

  it('a stream that ends without its finish part is an error, not a success', async () => {
    const { backend } = scripted(async function* () {
      yield { type: 'text', text: 'partial' };
    });
    const error = await backend.stream(msgs, { model: 'm' }).collect().catch((e: unknown) => e);
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    expect((error as StreamInterruptedError).partialText).toBe('partial');
    expect(((error as Error).cause as Error).message).toMatch(/without its finish frame/);
  });

  it('a stream that ends quietly after an abort (as SDKs do) is an AbortedError', async () => {
    const controller = new AbortController();
    const { backend } = scripted(async function* (call) {
      yield { type: 'text', text: 'a' };
      controller.abort();
      if (call.signal.aborted) return; // the SDK's quiet end
    });
    const stream = backend.stream(msgs, { model: 'm', signal: controller.signal });
    const error = await stream.collect().catch((e: unknown) => e);
    // The caller's own abort is not a failure to report as an interruption; the text is on the stream.
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(stream.text).toBe('a');
  });

  it('leaving the loop early aborts the request and rejects completion with AbortedError', async () => {
    let requestSignal: AbortSignal | undefined;
    const { backend } = scripted(async function* (call) {
      requestSignal = call.signal;
      for (let i = 0; ; i++) {
        yield { type: 'text', text: `${i} ` };
        await sleep(1);
      }
    });
    const stream = backend.stream(msgs, { model: 'm' });
    for await (const chunk of stream) if (chunk.startsWith('2')) break;
    expect(requestSignal?.aborted).toBe(true);
    await expect(stream.completion).rejects.toSatisfy(AbortedError.isInstance);
    expect(stream.text).toBe('0 1 2 ');
  });

  it('first-chunk and idle limits are typed timeouts', async () => {
    const { backend } = scripted(async function* (call) {
      await sleep(call.options.seed ?? 0, undefined, { signal: call.signal });
      yield { type: 'text', text: 'a' };
      await sleep(200, undefined, { signal: call.signal });
      yield { type: 'finish', finishReason: 'stop' };
    });
    const first = await backend.stream(msgs, { model: 'm', seed: 200, firstChunkTimeoutMs: 20 }).collect().catch((e: unknown) => e);
    expect(first).toMatchObject({ code: 'timeout', phase: 'first-chunk' });
    const idle = await backend.stream(msgs, { model: 'm', idleTimeoutMs: 20 }).collect().catch((e: unknown) => e);
    expect(StreamInterruptedError.isInstance(idle)).toBe(true);
    expect((idle as Error).cause).toMatchObject({ phase: 'idle' });
  });

  it('backend defaults apply unless the caller sets the option', async () => {
    const backend = createBackend({
      name: 'cold',
      defaults: { timeoutMs: 20 },
      timeoutHint: 'The first call to a model may be a cold start.',
      generate: (call) => sleep(100, { text: 'late', finishReason: 'stop' as const }, { signal: call.signal }),
      stream: () => words(),
    });
    const error = await backend.generate(msgs, { model: 'm' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cold start/);
    await expect(backend.generate(msgs, { model: 'm', timeoutMs: 500 })).resolves.toMatchObject({ text: 'late' });
  });

  it('a slow first chunk carries the backend hint too (where cold starts show)', async () => {
    const backend = createBackend({
      name: 'cold',
      defaults: { firstChunkTimeoutMs: 20 },
      timeoutHint: 'The first call to a model may be a cold start.',
      generate: () => Promise.resolve({ text: '', finishReason: 'stop' as const }),
      async *stream(call) {
        await sleep(200, undefined, { signal: call.signal });
        yield* words('late');
      },
    });
    const error = await backend.stream(msgs, { model: 'm' }).collect().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'timeout', phase: 'first-chunk' });
    expect((error as Error).message).toMatch(/cold start/);
  });

  it('an error that surfaces just after the deadline, before its timer fires, is the deadline timeout', async () => {
    const backend = createBackend({
      name: 'busy',
      async generate() {
        // Block the event loop past the deadline so the failure is seen before the timer runs.
        const until = Date.now() + 30;
        while (Date.now() < until);
        throw new BackendError('connection reset', { isRetryable: true });
      },
      stream: () => words(),
    });
    const error = await backend.generate(msgs, { model: 'm', timeoutMs: 10 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'timeout', phase: 'total' });
  });
});
