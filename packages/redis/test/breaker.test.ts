import { CircuitBreaker } from '@router/core/reliability';
import { describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index.ts';
import { until, useRedis } from './support.ts';

const ctx = useRedis({}, 'backend');
const { processStore, freshKey } = ctx;

describe('createRedisStore as a breaker store', () => {
  it('an opening in one process reaches a breaker in another, and its close too', async () => {
    const key = freshKey();
    const here = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 60_000, store: processStore(), key });
    const elsewhere = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 60_000, store: processStore(), key });
    expect(elsewhere.state).toBe('closed');
    for (let i = 0; i < 2; i++) here.exit(false, here.tryEnter()!.probe);
    expect(here.state).toBe('open');
    await until(() => elsewhere.state === 'open');
    expect(elsewhere.canPass()).toBe(false);
    expect(elsewhere.retryAfterMs).toBeGreaterThan(0);
  });

  it('gives the probe of one open period to exactly one of many processes', async () => {
    const key = freshKey();
    const openedAt = Date.now();
    const processes = Array.from({ length: 6 }, () => processStore());
    // Nobody has the answer at first: every process asks, and is refused meanwhile.
    expect(processes.map((store) => store.probe(key, openedAt))).toEqual(Array(6).fill(false));
    await until(() => processes.some((store) => store.probe(key, openedAt)));
    // A call after the claim on each connection answers after it: then every claim has its answer.
    await Promise.all(processes.map((store) => store.take(`${key}-flush`, 1, 100)));
    expect(processes.map((store) => store.probe(key, openedAt)).filter(Boolean)).toHaveLength(1);
    // A new open period has a probe of its own.
    const later = openedAt + 1;
    processes[5]!.probe(key, later);
    await until(() => processes[5]!.probe(key, later));
  });

  it('when Redis is down, fails open by letting each process probe for itself, or closed by letting none', async () => {
    const key = freshKey();
    const open = processStore({ onRedisDown: 'open' });
    const closed = processStore({ onRedisDown: 'closed' });
    // Connect both first, so the outage is one of a server they knew.
    await Promise.all([open.take(`${key}-connect`, 1, 100), closed.take(`${key}-connect`, 1, 100)]);
    await ctx.server.stop();
    try {
      const openedAt = Date.now();
      open.probe(key, openedAt);
      closed.probe(key, openedAt);
      await until(() => open.probe(key, openedAt));
      // Its claim failed before this take did (one connection, in order).
      await expect(closed.take(key, 1, 100)).rejects.toThrow('Redis is unavailable');
      expect(closed.probe(key, openedAt)).toBe(false);
    } finally {
      await ctx.server.start();
    }
  });
});
