import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortedError, ConfigurationError, TimeoutError } from '../../src/index.ts';
import { createMemoryRateStore, RateLimiter, withReliability } from '../../src/reliability.ts';
import { inMemoryBackend } from '../in-memory-backend.ts';
import { messages } from './scripted-backend.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Settles what can settle now, then reports whether `promise` has. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await vi.advanceTimersByTimeAsync(0);
  return settled;
}

describe('RateLimiter', () => {
  it('lets a minute’s requests through at once, then one more each time the bucket refills', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 3 });
    for (let i = 0; i < 3; i++) await limiter.acquire();
    const fourth = limiter.acquire();
    expect(await isSettled(fourth)).toBe(false);
    await vi.advanceTimersByTimeAsync(19_000);
    expect(await isSettled(fourth)).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await isSettled(fourth)).toBe(true);
  });

  it('holds calls back once the minute’s tokens are spent, until the bucket refills', async () => {
    const limiter = new RateLimiter({ tokensPerMinute: 1_000 });
    await limiter.acquire();
    limiter.charge(1_500);
    const next = limiter.acquire();
    // 500 tokens of debt refill in 30 s.
    await vi.advanceTimersByTimeAsync(29_000);
    expect(await isSettled(next)).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await isSettled(next)).toBe(true);
  });

  it('fails at once with TimeoutError (phase queue) when the wait would pass maxWaitMs, and with the abort reason when aborted', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1, maxWaitMs: 10_000 });
    await limiter.acquire();
    const error = await limiter.acquire().catch((caught: unknown) => caught);
    expect(TimeoutError.isInstance(error) && error.phase).toBe('queue');
    const patient = new RateLimiter({ requestsPerMinute: 1 });
    await patient.acquire();
    const controller = new AbortController();
    const waiting = patient.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toSatisfy(AbortedError.isInstance);
  });

  it('shares one budget through one store under one key', async () => {
    const store = createMemoryRateStore();
    const a = new RateLimiter({ requestsPerMinute: 2, store, key: 'account' });
    const b = new RateLimiter({ requestsPerMinute: 2, store, key: 'account' });
    await a.acquire();
    await b.acquire();
    expect(await isSettled(a.acquire())).toBe(false);
  });

  it('refuses limits that are not positive, naming the field', () => {
    expect(() => new RateLimiter({ requestsPerMinute: 0 })).toThrow(ConfigurationError);
    expect(() => new RateLimiter({ tokensPerMinute: -1 })).toThrow('tokensPerMinute');
  });
});

describe('rate limiter on a backend', () => {
  it('counts each call as a request and charges the tokens its usage reports', async () => {
    const backend = inMemoryBackend();
    const store = createMemoryRateStore();
    const charged: number[] = [];
    const recording = { ...store, charge: (key: string, amount: number, capacity: number, windowMs: number) => (charged.push(amount), store.charge(key, amount, capacity, windowMs)) };
    const rateLimiter = new RateLimiter({ requestsPerMinute: 2, tokensPerMinute: 10_000, store: recording });
    const llm = withReliability(backend, { rateLimiter });
    await llm.generate(messages, { model: 'm' });
    await llm.generate(messages, { model: 'm' });
    expect(charged).toEqual([8, 8]);
    const third = llm.generate(messages, { model: 'm' });
    expect(await isSettled(third)).toBe(false);
    expect(backend.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(30_000);
    await third;
    expect(backend.calls).toHaveLength(3);
  });
});
