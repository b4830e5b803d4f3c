import { RateLimiter } from '@router/core/reliability';
import { describe, expect, it } from 'vitest';
import { createRedisStore, SharedStateUnavailableError, type RedisStore } from '../src/index.ts';
import { useRedis } from './support.ts';

const ctx = useRedis({ onRedisDown: 'closed' }, 'key');
const { processStore, freshKey } = ctx;
const minute = 60_000;

describe('createRedisStore as a rate store', () => {
  it('grants exactly the bucket across processes asking at once: the limit is not multiplied by the replicas', async () => {
    const key = freshKey();
    const processes = [processStore(), processStore(), processStore()];
    const answers = await Promise.all(processes.flatMap((store) => Array.from({ length: 10 }, () => store.rates.take(key, 1, 10, minute))));
    expect(answers.filter((waitMs) => waitMs === 0)).toHaveLength(10);
    // Refused, a request is told how long until one more fits: a tenth of the minute at most.
    for (const waitMs of answers.filter((waitMs) => waitMs > 0)) expect(waitMs).toBeLessThanOrEqual(6_000);
  });

  it('charges usage in one process against the budget every process sees', async () => {
    const key = freshKey();
    const [here, elsewhere] = [processStore(), processStore()];
    expect(await here.rates.take(key, 0, 1_000, minute)).toBe(0);
    await here.rates.charge(key, 1_500, 1_000, minute);
    // 500 tokens of debt: about half a minute before a call may start anywhere.
    const waitMs = await elsewhere.rates.take(key, 0, 1_000, minute);
    expect(waitMs).toBeGreaterThan(29_000);
    expect(waitMs).toBeLessThanOrEqual(30_000);
  });

  it('backs RateLimiters in several processes with one budget', async () => {
    const key = freshKey();
    const limiters = [processStore(), processStore()].map((store) => new RateLimiter({ requestsPerMinute: 4, maxWaitMs: 1_000, store: store.rates, key }));
    const outcomes = await Promise.all(
      limiters.flatMap((limiter) => Array.from({ length: 4 }, () => limiter.acquire().then(() => 'ok', (error: unknown) => (error as Error).name))),
    );
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(4);
    expect(outcomes.filter((outcome) => outcome === 'TimeoutError')).toHaveLength(4);
  });

  it('when Redis is down, fails closed with SharedStateUnavailableError, or open to a local share of the budget', async () => {
    const key = freshKey();
    const closed = processStore();
    const open = processStore({ onRedisDown: 'open', localShare: 0.5 });
    await Promise.all([closed.rates.take(key, 1, 10, minute), open.rates.take(key, 1, 10, minute)]);
    await ctx.server.stop();
    try {
      await expect(closed.rates.take(key, 1, 10, minute)).rejects.toSatisfy(SharedStateUnavailableError.isInstance);
      const answers = await Promise.all(Array.from({ length: 8 }, () => open.rates.take(key, 1, 10, minute)));
      expect(answers.filter((waitMs) => waitMs === 0)).toHaveLength(5);
    } finally {
      await ctx.server.start();
    }
  });
});
