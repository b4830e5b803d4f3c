import { afterEach, describe, expect, it, vi } from 'vitest';
import { withReliability } from '../../src/reliability.ts';
import {
  AbortedError,
  BackendError,
  CompletionStream,
  RouterError,
  StreamInterruptedError,
  TimeoutError,
  type LLMClient,
  type RouterEvent,
} from '../../src/index.ts';
import { retryDelay } from '../../src/reliability/retry.ts';
import { chunksOf, messages, scriptedBackend } from './scripted-backend.ts';

const unavailable = (retryAfterMs?: number): BackendError =>
  new BackendError('503 overloaded', { status: 503, isRetryable: true, ...(retryAfterMs !== undefined && { retryAfterMs }) });
const badRequest = (): BackendError => new BackendError('400 bad', { status: 400, isRetryable: false });
const fast = { baseDelayMs: 1, maxDelayMs: 2 };

describe('retryDelay', () => {
  const error = unavailable();

  it('uses full jitter under an exponential cap', () => {
    const samples = Array.from({ length: 200 }, () => retryDelay({ baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 10 }, 3, error, Infinity)!);
    // Retry 3 may wait up to min(1000, 100 * 2^2) = 400 ms, anywhere from 0.
    expect(Math.max(...samples)).toBeLessThanOrEqual(400);
    expect(new Set(samples).size).toBeGreaterThan(150);
    // Full jitter spreads over the whole range, not only its upper half.
    expect(Math.min(...samples)).toBeLessThan(200);
    expect(Math.max(...samples)).toBeGreaterThan(200);
    const capped = Array.from({ length: 200 }, () => retryDelay({ baseDelayMs: 100, maxDelayMs: 150, maxAttempts: 20 }, 10, error, Infinity)!);
    expect(Math.max(...capped)).toBeLessThanOrEqual(150);
  });

  it('waits out a Retry-After exactly, up to its cap', () => {
    expect(retryDelay({}, 1, unavailable(1200), Infinity)).toBe(1200);
    expect(retryDelay({ maxRetryAfterMs: 1000 }, 1, unavailable(1200), Infinity)).toBeUndefined();
  });

  it('gives up when the attempts are spent, the error is final, or the wait would not fit', () => {
    expect(retryDelay({ maxAttempts: 2 }, 2, error, Infinity)).toBeUndefined();
    expect(retryDelay({}, 1, badRequest(), Infinity)).toBeUndefined();
    expect(retryDelay({}, 1, unavailable(500), 400)).toBeUndefined();
    expect(retryDelay(undefined, 1, error, Infinity)).toBeUndefined();
    // A custom retryOn makes a 400 retryable: it gets a delay (full jitter under the default 250 ms base).
    const custom = retryDelay({ retryOn: (e) => e.status === 400 }, 1, badRequest(), Infinity);
    expect(custom).toBeTypeOf('number');
    expect(custom).toBeLessThanOrEqual(250);
  });
});

describe('retry', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries retryable errors and counts every attempt in the completion', async () => {
    const backend = scriptedBackend({ script: [{ error: unavailable() }, { error: unavailable() }] });
    const llm = withReliability(backend, { retry: fast });
    const completion = await llm.generate(messages, { model: 'm' });
    expect(completion.text).toBe('answer from scripted ');
    expect(completion.attempts).toBe(3);
    expect(backend.calls).toHaveLength(3);
  });

  it('stops after maxAttempts with the last error', async () => {
    const backend = scriptedBackend({ step: { error: unavailable() } });
    const llm = withReliability(backend, { retry: { ...fast, maxAttempts: 2 } });
    await expect(llm.generate(messages, { model: 'm' })).rejects.toMatchObject({ status: 503 });
    expect(backend.calls).toHaveLength(2);
  });

  it('never retries an error that a repeat cannot fix', async () => {
    const backend = scriptedBackend({ script: [{ error: badRequest() }] });
    const llm = withReliability(backend, { retry: fast });
    await expect(llm.generate(messages, { model: 'm' })).rejects.toMatchObject({ status: 400 });
    expect(backend.calls).toHaveLength(1);
  });

  it('waits out a Retry-After exactly: not a millisecond less, instead of its own backoff', async () => {
    vi.useFakeTimers();
    const backend = scriptedBackend({ script: [{ error: unavailable(150) }] });
    const events: RouterEvent[] = [];
    const llm = withReliability(backend, { retry: { baseDelayMs: 5000 }, listeners: [(e) => events.push(e)] });
    const pending = llm.generate(messages, { model: 'm' });
    await vi.advanceTimersByTimeAsync(149);
    expect(backend.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const completion = await pending;
    expect(completion.attempts).toBe(2);
    expect(backend.calls[1]!.at - backend.calls[0]!.at).toBe(150);
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ delayMs: 150, attempt: 1, error: { status: 503 } });
  });

  it('does not wait out a Retry-After longer than its cap: the error surfaces at once', async () => {
    // With the clock stopped, the call can only settle if it never waits.
    vi.useFakeTimers();
    const backend = scriptedBackend({ script: [{ error: unavailable(60_000) }] });
    const llm = withReliability(backend, { retry: { maxRetryAfterMs: 1000 } });
    await expect(llm.generate(messages, { model: 'm' })).rejects.toMatchObject({ retryAfterMs: 60_000 });
    expect(backend.calls).toHaveLength(1);
  });

  it('shares one deadline across attempts: each gets what is left, and the call ends at the deadline', async () => {
    vi.useFakeTimers();
    const backend = scriptedBackend({ step: { delayMs: 30, error: unavailable() } });
    const llm = withReliability(backend, { retry: { baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 100 } });
    const started = Date.now();
    let settledAt: number | undefined;
    const pending = llm.generate(messages, { model: 'm', timeoutMs: 150 }).catch((e: unknown) => e).finally(() => (settledAt = Date.now()));
    await vi.advanceTimersByTimeAsync(149);
    expect(settledAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    const error = await pending;
    expect(settledAt! - started).toBe(150);
    expect(TimeoutError.isInstance(error) && error.phase).toBe('total');
    expect((error as TimeoutError).timeoutMs).toBe(150);
    // 30 ms attempts with backoffs under a millisecond: five start before the deadline, the fifth is cut short.
    expect(backend.calls).toHaveLength(5);
    const remaining = backend.calls.map((c) => c.remainingMs);
    expect(remaining[0]).toBe(150);
    for (let i = 1; i < remaining.length; i++) expect(remaining[i]).toBeLessThan(remaining[i - 1]!);
    // Every attempt was handed the same absolute deadline.
    expect(new Set(backend.calls.map((c) => c.call.options.deadline)).size).toBe(1);
  });

  it('skips a retry whose wait would not fit before the deadline', async () => {
    const backend = scriptedBackend({ script: [{ error: unavailable(500) }] });
    const llm = withReliability(backend, { retry: {} });
    await expect(llm.generate(messages, { model: 'm', timeoutMs: 200 })).rejects.toMatchObject({ status: 503 });
    expect(backend.calls).toHaveLength(1);
  });

  it('gives each attempt its own time limit within the call', async () => {
    const backend = scriptedBackend({ script: [{ hang: true }] });
    const llm = withReliability(backend, { retry: fast, attemptTimeoutMs: 40 });
    const completion = await llm.generate(messages, { model: 'm', timeoutMs: 5000 });
    expect(completion.attempts).toBe(2);
    expect(backend.calls[0]!.call.signal.aborted).toBe(true);
  });

  it('an abort during a backoff sleep rejects at once with AbortedError', async () => {
    vi.useFakeTimers();
    const backend = scriptedBackend({ script: [{ error: unavailable(10_000) }] });
    const controller = new AbortController();
    // Abort as the 10 s backoff begins; with the clock stopped, only the abort can end the wait.
    const llm = withReliability(backend, {
      retry: { maxRetryAfterMs: 60_000 },
      listeners: [(e) => e.type === 'retry' && queueMicrotask(() => controller.abort())],
    });
    const error = await llm.generate(messages, { model: 'm', signal: controller.signal }).catch((e: unknown) => e);
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(backend.calls).toHaveLength(1);
  });

  it('an abort reaches the request in flight', async () => {
    const backend = scriptedBackend({ script: [{ hang: true }] });
    const llm = withReliability(backend, { retry: fast });
    const controller = new AbortController();
    const pending = llm.generate(messages, { model: 'm', signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toSatisfy(AbortedError.isInstance);
    expect(backend.calls[0]!.call.signal.aborted).toBe(true);
    expect(backend.calls).toHaveLength(1);
  });
});

describe('stream retries', () => {
  const reply = 'one two three four ';

  it('retries a stream that fails before its first chunk, and delivers the text once', async () => {
    const backend = scriptedBackend({ reply, script: [{ error: unavailable() }] });
    const llm = withReliability(backend, { retry: fast });
    const stream = llm.stream(messages, { model: 'm' });
    const seen: string[] = [];
    for await (const chunk of stream) seen.push(chunk);
    expect(seen.join('')).toBe(reply);
    const completion = await stream.completion;
    expect(completion.text).toBe(reply);
    expect(completion.attempts).toBe(2);
  });

  it('never retries after the first chunk: StreamInterruptedError with the partial text, never duplicated', async () => {
    const backend = scriptedBackend({ reply, script: [{ error: unavailable(), afterChunks: 2 }] });
    const llm = withReliability(backend, { retry: fast, fallbacks: [scriptedBackend({ name: 'spare', reply })] });
    const seen: string[] = [];
    let caught: unknown;
    try {
      for await (const chunk of llm.stream(messages, { model: 'm' })) seen.push(chunk);
    } catch (error) {
      caught = error;
    }
    expect(StreamInterruptedError.isInstance(caught)).toBe(true);
    expect((caught as StreamInterruptedError).partialText).toBe('one two ');
    expect(seen.join('')).toBe('one two ');
    expect(backend.calls).toHaveLength(1);
  });

  it('wraps a plain mid-stream failure of a client not built on createBackend', async () => {
    const other = scriptedBackend();
    const handWritten: LLMClient = {
      name: 'hand-written',
      generate: (m, o) => other.generate(m, o),
      embed: (i, o) => other.embed(i, o),
      stream: () =>
        CompletionStream.from(async function* () {
          yield 'one ';
          throw new Error('socket hang up');
        }),
    };
    const llm = withReliability(handWritten, { retry: fast });
    const error = await llm.stream(messages, { model: 'm' }).collect().catch((e: unknown) => e);
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    expect((error as StreamInterruptedError).partialText).toBe('one ');
    expect(RouterError.isInstance((error as StreamInterruptedError).cause)).toBe(true);
  });

  it('the first-chunk limit of the backend policy fails the attempt over to a retry', async () => {
    const backend = scriptedBackend({ reply, script: [{ delayMs: 500 }] });
    const llm = withReliability(backend, { retry: fast, firstChunkTimeoutMs: 30 });
    const completion = await llm.stream(messages, { model: 'm' }).collect();
    expect(completion.text).toBe(reply);
    expect(completion.attempts).toBe(2);
    expect(chunksOf(completion.text)).toHaveLength(4);
  });
});

describe('the signal an attempt carries', () => {
  it('is passed on only when the caller or a deadline can fire it, so adapters can skip signal plumbing', async () => {
    const backend = scriptedBackend();
    const llm = withReliability(backend, { retry: fast });
    await llm.generate(messages, { model: 'm' });
    await llm.stream(messages, { model: 'm' }).collect();
    await llm.generate(messages, { model: 'm', signal: new AbortController().signal });
    await llm.generate(messages, { model: 'm', timeoutMs: 5_000 });
    await withReliability(backend, { timeoutMs: 5_000 }).generate(messages, { model: 'm' });
    expect(backend.calls.map(({ call }) => call.options.signal !== undefined)).toEqual([false, false, true, true, true]);
  });

  it('without one, a stream the caller leaves still closes the request', async () => {
    const backend = scriptedBackend({ reply: 'one two three four ', step: { chunkDelayMs: 20 } });
    const llm = withReliability(backend, { retry: fast });
    const stream = llm.stream(messages, { model: 'm' });
    for await (const _ of stream) break;
    expect(backend.calls[0]!.call.signal.aborted).toBe(true);
    expect(backend.inFlight).toBe(0);
    await expect(stream.completion).rejects.toSatisfy(AbortedError.isInstance);
  });
});
