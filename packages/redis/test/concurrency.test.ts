import { ConfigurationError } from '@router/core';
import { ConcurrencyLimiter, type Slot } from '@router/core/reliability';
import { createClient } from '@redis/client';
import { describe, expect, it } from 'vitest';
import { createRedisStore, SharedStateUnavailableError, type RedisStore, type RedisStoreEvent } from '../src/index.ts';
import { until, useRedis } from './support.ts';

// Stores fail closed unless a test says otherwise, so a Redis call slowed past its timeout on a busy
// machine shows as an error rather than as a slot quietly served from the local budget.
const ctx = useRedis({ leaseTtlMs: 3_000, onRedisDown: 'closed' }, 'account');
const { processStore, freshKey } = ctx;

async function inLine(key: string, store: RedisStore): Promise<boolean> {
  const client = createClient({ url: ctx.server.url });
  await client.connect();
  try {
    return (await client.zScore(`router:{${key}}:line`, store.processId)) !== null;
  } finally {
    await client.close();
  }
}

async function unitsInRedis(prefix: string, key: string): Promise<Record<string, string>> {
  const client = createClient({ url: ctx.server.url });
  await client.connect();
  try {
    return await client.hGetAll(`${prefix}:{${key}}:units`);
  } finally {
    await client.close();
  }
}

async function redisCommand(args: string[]): Promise<string> {
  const client = createClient({ url: ctx.server.url });
  await client.connect();
  try {
    return String(await client.sendCommand(args));
  } finally {
    await client.close();
  }
}

/** Scripts Redis ran since its statistics were reset, by SHA1 or by text. */
async function scriptCalls(): Promise<number> {
  const stats = await redisCommand(['INFO', 'commandstats']);
  return [...stats.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+)/gm)].reduce((sum, [, calls]) => sum + Number(calls), 0);
}

describe('createRedisStore', () => {
  it('shares one budget between processes: the units in use never exceed the limit, and every call is served', async () => {
    const key = freshKey();
    const limiters = [processStore(), processStore(), processStore()].map((store) => new ConcurrencyLimiter({ limit: 3, store, key }));
    let inUse = 0;
    let peak = 0;
    let served = 0;
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const slot = await limiters[i % 3]!.acquire(1 + (i % 2));
        inUse += Math.min(1 + (i % 2), 3);
        peak = Math.max(peak, inUse);
        await new Promise((resolve) => setImmediate(resolve));
        inUse -= Math.min(1 + (i % 2), 3);
        slot.release();
        served++;
      }),
    );
    expect(served).toBe(60);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
    await until(async () => Object.keys(await unitsInRedis('router', key)).length === 0);
  });

  it('wakes a process waiting with no slot of its own when another process gives units back', async () => {
    const key = freshKey();
    const here = new ConcurrencyLimiter({ limit: 1, store: processStore(), key });
    const elsewhere = new ConcurrencyLimiter({ limit: 1, store: processStore(), key });
    const held = await elsewhere.acquire();
    const waiting = here.acquire();
    await until(() => here.queued === 1);
    held.release();
    (await waiting).release();
  });

  it('lets processes take turns: a later process is served before the earlier process’s other waiters', async () => {
    const key = freshKey();
    const otherStore = processStore();
    const busy = new ConcurrencyLimiter({ limit: 1, store: processStore(), key });
    const other = new ConcurrencyLimiter({ limit: 1, store: otherStore, key });
    const order: string[] = [];
    const held = await busy.acquire();
    const queue = (limiter: ConcurrencyLimiter, name: string): Promise<void> =>
      limiter.acquire().then((slot) => {
        order.push(name);
        // Each holder lets go on the next turn of the event loop, so the next grant is a race the line decides.
        setImmediate(() => slot.release());
      });
    const busyWaiters = [1, 2, 3, 4].map((n) => queue(busy, `busy-${n}`));
    await until(() => busy.queued === 4);
    const otherWaiter = queue(other, 'other');
    await until(() => inLine(key, otherStore));
    held.release();
    await Promise.all([...busyWaiters, otherWaiter]);
    // Without the line, the busy process re-takes every unit it gives back before the other process hears of it.
    expect(order.indexOf('other'), order.join()).toBeLessThanOrEqual(1);
  });

  it('does not let small requests from another process starve a large one waiting in line', async () => {
    const key = freshKey();
    const largeStore = processStore();
    const large = new ConcurrencyLimiter({ limit: 2, store: largeStore, key });
    const small = new ConcurrencyLimiter({ limit: 2, store: processStore(), key });
    const held = await small.acquire();
    const waitingLarge = large.acquire(2);
    await until(() => inLine(key, largeStore));
    // The small process gives its unit back and asks again at once: the large request, ahead in line, comes first.
    held.release();
    const again = small.acquire();
    const order: string[] = [];
    const largeSlot = await waitingLarge.then((slot) => (order.push('large'), slot));
    expect(small.queued).toBe(1);
    largeSlot.release();
    (await again.then((slot) => (order.push('small'), slot))).release();
    expect(order).toEqual(['large', 'small']);
  });

  it('gives back the slots of a process that stopped renewing its lease (as after SIGKILL) once the lease ends', async () => {
    const key = freshKey();
    const dying = processStore({ leaseTtlMs: 1_500, commandTimeoutMs: 400 });
    const survivor = new ConcurrencyLimiter({ limit: 2, store: processStore(), key });
    expect(await dying.take(key, 2, 2)).toBe(true);
    // A dead process sends nothing more: no give, no heartbeat.
    await dying.close();
    const slot = await survivor.acquire(2);
    slot.release();
    expect(Object.keys(await unitsInRedis('router', key))).not.toContain(dying.processId);
  });

  it('keeps separate budgets under separate prefixes on one Redis', async () => {
    const key = freshKey();
    const a = new ConcurrencyLimiter({ limit: 1, store: processStore({ prefix: 'blue' }), key });
    const b = new ConcurrencyLimiter({ limit: 1, store: processStore({ prefix: 'green' }), key });
    const slots: Slot[] = [await a.acquire(), await b.acquire()];
    expect(await unitsInRedis('blue', key)).not.toEqual({});
    expect(await unitsInRedis('green', key)).not.toEqual({});
    for (const slot of slots) slot.release();
  });

  it('restores what a process holds after Redis restarts empty', async () => {
    const key = freshKey();
    const store = processStore();
    const limiter = new ConcurrencyLimiter({ limit: 4, store, key });
    const slot = await limiter.acquire(3);
    await ctx.server.stop({ hard: true });
    await ctx.server.start();
    await until(async () => (await unitsInRedis('router', key))[store.processId] === '3');
    slot.release();
  });

  it('fails open to a local share of the budget while Redis is down, tells about it, and returns to Redis when it is back', async () => {
    const key = freshKey();
    const events: RedisStoreEvent['type'][] = [];
    const store = processStore({ onRedisDown: 'open', localShare: 0.5, onEvent: (event) => events.push(event.type) });
    const limiter = new ConcurrencyLimiter({ limit: 4, store, key, queueTimeoutMs: 5_000 });
    (await limiter.acquire()).release();
    await ctx.server.stop();
    const local = [await limiter.acquire(), await limiter.acquire()];
    expect(events).toEqual(['redis-down']);
    const third = limiter.acquire();
    await until(() => limiter.queued === 1);
    await ctx.server.start();
    for (const slot of local) slot.release();
    const slot = await third;
    await until(() => events.includes('redis-up'));
    expect(events).toEqual(['redis-down', 'redis-up']);
    slot.release();
  });

  it('fails closed with SharedStateUnavailableError when asked to, without waiting past the command timeout', async () => {
    const key = freshKey();
    const store = processStore();
    const limiter = new ConcurrencyLimiter({ limit: 4, store, key });
    (await limiter.acquire()).release();
    await ctx.server.stop();
    const error = await limiter.acquire().catch((caught: unknown) => caught);
    expect(SharedStateUnavailableError.isInstance(error)).toBe(true);
    expect((error as SharedStateUnavailableError).isRetryable).toBe(true);
    expect((error as Error).message).toContain(`limiter "${key}"`);
  });

  it('never hangs on a Redis that does not answer: the call fails within its command timeout and the policy applies', async () => {
    // A listening socket that accepts and never answers stands for a stuck Redis.
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const store = processStore({ url: `redis://127.0.0.1:${port}` });
      const limiter = new ConcurrencyLimiter({ limit: 1, store, key: freshKey() });
      await expect(limiter.acquire()).rejects.toSatisfy(SharedStateUnavailableError.isInstance);
    } finally {
      silent.close();
    }
  });

  it('never hangs on a connected Redis that stops answering: the call fails within its command timeout, reply included', async () => {
    const key = freshKey();
    const store = processStore({ commandTimeoutMs: 300 });
    const limiter = new ConcurrencyLimiter({ limit: 4, store, key });
    (await limiter.acquire()).release();
    // Redis takes the command and holds it unanswered: a client timeout that stops at the write would wait the pause out.
    const pauser = createClient({ url: ctx.server.url });
    await pauser.connect();
    // The pause ends by itself (an UNPAUSE would wait behind it); the old client timeout would have answered after it.
    await pauser.sendCommand(['CLIENT', 'PAUSE', '3000', 'ALL']);
    const error = await limiter.acquire().catch((caught: unknown) => caught);
    expect(SharedStateUnavailableError.isInstance(error)).toBe(true);
    expect(String((error as Error).cause)).toContain('did not answer within 300 ms');
    await pauser.close();
  });

  it('sends the takes a limiter asks for at once as one script, granted in order up to the limit', async () => {
    const key = freshKey();
    const store = processStore();
    const answers = await Promise.all([1, 2, 1, 1, 1].map((cost) => store.take(key, cost, 4)));
    // 1 + 2 + 1 fit; the fourth take does not, and the fifth does not overtake it.
    expect(answers).toEqual([true, true, true, false, false]);
    expect(await unitsInRedis('router', key)).toEqual({ [store.processId]: '4' });
    await Promise.all([store.give(key, 2), store.give(key, 1)]);
    expect(await unitsInRedis('router', key)).toEqual({ [store.processId]: '1' });
  });

  it('sends a release and an acquire of one turn as one script: the units given back count for the take', async () => {
    const key = freshKey();
    // A long lease: no heartbeat lands between the counts below.
    const store = processStore({ leaseTtlMs: 60_000 });
    const limiter = new ConcurrencyLimiter({ limit: 1, store, key });
    const held = await limiter.acquire();
    await redisCommand(['CONFIG', 'RESETSTAT']);
    held.release();
    (await limiter.acquire()).release();
    // The release and the acquire: one script, although the limit of 1 was in use when the acquire asked.
    // The second release goes alone: it is the only call of its turn.
    await until(async () => Object.keys(await unitsInRedis('router', key)).length === 0);
    expect(await scriptCalls()).toBe(2);
  });

  it('sends a script by its text on its first call on a connection, and by its text again after Redis forgot it', async () => {
    const key = freshKey();
    await redisCommand(['SCRIPT', 'FLUSH']);
    await redisCommand(['CONFIG', 'RESETSTAT']);
    const limiter = new ConcurrencyLimiter({ limit: 1, store: processStore({ leaseTtlMs: 60_000 }), key });
    (await limiter.acquire()).release();
    await until(async () => Object.keys(await unitsInRedis('router', key)).length === 0);
    // No EVALSHA answered NOSCRIPT: each script's first call loaded it, in one round trip.
    expect(await redisCommand(['INFO', 'errorstats'])).not.toContain('NOSCRIPT');
    await redisCommand(['SCRIPT', 'FLUSH']);
    const slot = await limiter.acquire();
    expect(await redisCommand(['INFO', 'errorstats'])).toContain('errorstat_NOSCRIPT:count=1\r\n');
    slot.release();
  });

  it('reports the units every process holds without waiting on Redis: its own exactly, the others as Redis last said', async () => {
    const key = freshKey();
    const here = processStore();
    const elsewhere = new ConcurrencyLimiter({ limit: 5, store: processStore(), key });
    // Nothing known yet: the answer comes at once, and a read starts in the background.
    expect(here.used(key)).toBeUndefined();
    const held = [await elsewhere.acquire(2)];
    await until(() => here.used(key) === 2);
    // The reply to this process's own take says what the others hold, so the figure is current right after it.
    held.push(await elsewhere.acquire());
    const limiter = new ConcurrencyLimiter({ limit: 5, store: here, key });
    const mine = await limiter.acquire();
    expect([here.used(key), limiter.active, limiter.inUse, limiter.canTake(1), limiter.canTake(2)]).toEqual([4, 1, 4, true, false]);
    for (const slot of held) slot.release();
    await until(() => here.used(key) === 1);
    mine.release();
    expect(here.used(key)).toBe(0);
  });

  it('refuses bad settings naming each field', () => {
    const bad = { leaseTtlMs: 0, localShare: 2, onRedisDown: 'maybe' as 'open', url: 'http://x', usageMaxAgeMs: -1 };
    expect(() => createRedisStore(bad)).toThrow(ConfigurationError);
    try {
      createRedisStore(bad);
    } catch (error) {
      const message = (error as Error).message;
      for (const field of ['leaseTtlMs', 'localShare', 'onRedisDown', 'url', 'usageMaxAgeMs']) expect(message).toContain(field);
    }
  });
});
