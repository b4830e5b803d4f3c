import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortedError, BackendError, createRouter, QueueFullError, TimeoutError, type RouterEvent } from '../../src/index.ts';
import { CircuitBreaker, ConcurrencyLimiter, createMemoryStore, type ConcurrencyStore, type Slot, withReliability } from '../../src/reliability.ts';
import { alias } from '../../src/routing.ts';
import { messages, scriptedBackend, unhandledRejectionsDuring } from './scripted-backend.ts';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** One turn of the event loop: the in-memory store answers without timers, so whatever could happen has. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Records the order in which acquisitions resolve. */
function track(limiter: ConcurrencyLimiter, label: string, order: string[], cost = 1, signal?: AbortSignal): Promise<Slot> {
  return limiter.acquire(cost, signal).then((slot) => {
    order.push(label);
    return slot;
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ConcurrencyLimiter', () => {
  it('grants slots first come, first served', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const order: string[] = [];
    const first = await limiter.acquire();
    const waiting = ['a', 'b', 'c'].map((label) => track(limiter, label, order));
    await nextTurn();
    expect(order).toEqual([]);
    expect(limiter.queued).toBe(3);
    first.release();
    (await waiting[0]!).release();
    (await waiting[1]!).release();
    (await waiting[2]!).release();
    expect(order).toEqual(['a', 'b', 'c']);
    expect(limiter.active).toBe(0);
  });

  it('counts cost units, and a large request at the head is not overtaken by smaller ones', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 4 });
    const order: string[] = [];
    const held = await limiter.acquire(3);
    const big = track(limiter, 'big', order, 2);
    const small = track(limiter, 'small', order, 1);
    await nextTurn();
    // One unit is free, which would fit `small`, but `big` came first.
    expect(order).toEqual([]);
    held.release();
    await Promise.all([big, small]);
    expect(order).toEqual(['big', 'small']);
    expect(limiter.active).toBe(3);
  });

  it('runs a request costing more than the limit alone instead of never', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 2 });
    const huge = await limiter.acquire(4);
    expect(limiter.canTake(1)).toBe(false);
    huge.release();
    expect(limiter.canTake(2)).toBe(true);
  });

  it('refuses with QueueFullError past maxQueue, without waiting', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1, maxQueue: 1 });
    const held = await limiter.acquire();
    const queued = limiter.acquire();
    const error = await limiter.acquire().catch((e: unknown) => e);
    expect(QueueFullError.isInstance(error)).toBe(true);
    expect((error as QueueFullError).isRetryable).toBe(true);
    expect((error as Error).message).toContain('maxQueue');
    held.release();
    (await queued).release();
  });

  it('with maxQueue 0 a call either runs at once or is refused', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1, maxQueue: 0 });
    const held = await limiter.acquire();
    await expect(limiter.acquire()).rejects.toSatisfy(QueueFullError.isInstance);
    held.release();
    (await limiter.acquire()).release();
  });

  it('fails a wait longer than queueTimeoutMs with TimeoutError phase queue, and lets the next waiter in', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1, queueTimeoutMs: 30 });
    const held = await limiter.acquire();
    const error = await limiter.acquire().catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error) && error.phase).toBe('queue');
    expect(limiter.queued).toBe(0);
    held.release();
    expect(limiter.active).toBe(0);
  });

  it('an abort takes a waiter out of the queue at once, and the one behind it moves up', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 2 });
    const order: string[] = [];
    const held = await limiter.acquire(1);
    const controller = new AbortController();
    const aborted = track(limiter, 'big', order, 2, controller.signal).catch((e: unknown) => e);
    const small = track(limiter, 'small', order, 1);
    await nextTurn();
    expect(order).toEqual([]);
    controller.abort();
    // Rejected while the slot it waits for is still held: it left the queue rather than waiting its turn.
    expect(AbortedError.isInstance(await aborted)).toBe(true);
    (await small).release();
    expect(order).toEqual(['small']);
    held.release();
    expect(limiter.queued).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('works with an asynchronous store (as a shared one would be), keeping order and the limit', async () => {
    const memory = createMemoryStore();
    let used = 0;
    let peak = 0;
    const gives: Promise<void>[] = [];
    const slowStore: ConcurrencyStore = {
      async take(key, cost, limit) {
        await tick(1);
        const taken = memory.take(key, cost, limit) as boolean;
        if (taken) peak = Math.max(peak, (used += cost));
        return taken;
      },
      give(key, cost) {
        const given = tick(1).then(() => {
          used -= cost;
          memory.give(key, cost);
        });
        gives.push(given);
        return given;
      },
    };
    const limiter = new ConcurrencyLimiter({ limit: 2, store: slowStore, key: 'account' });
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        limiter.acquire().then(async (slot) => {
          order.push(i);
          await tick(3);
          slot.release();
        }),
      ),
    );
    // Every release has been handed to the store; wait until the store has taken each one back.
    await Promise.all(gives);
    expect(gives).toHaveLength(8);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(2);
    expect(used).toBe(0);
  });

  it('asks an asynchronous store about several waiters at once while it grants them all, still in queue order', async () => {
    const memory = createMemoryStore();
    let asking = 0;
    let mostAsking = 0;
    const roundTrip: ConcurrencyStore = {
      async take(key, cost, limit) {
        mostAsking = Math.max(mostAsking, ++asking);
        await tick(1);
        asking--;
        return memory.take(key, cost, limit) as boolean;
      },
      give: async (key, cost) => memory.give(key, cost),
    };
    const limiter = new ConcurrencyLimiter({ limit: 100, store: roundTrip });
    const order: number[] = [];
    const slots = await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.acquire().then((slot) => (order.push(i), slot))));
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(mostAsking).toBeGreaterThan(1);
    for (const slot of slots) slot.release();
  });

  it('a caller waiting on a shared store is woken by a release through another limiter, and stops watching once served', async () => {
    const memory = createMemoryStore();
    const watchers = new Set<() => void>();
    const { promise: watched, resolve: onWatch } = Promise.withResolvers<void>();
    const shared: ConcurrencyStore = {
      take: async (key, cost, limit) => memory.take(key, cost, limit),
      give: async (key, cost) => {
        memory.give(key, cost);
        for (const wake of watchers) wake();
      },
      watch: (_key, wake) => {
        watchers.add(wake);
        onWatch();
        return () => watchers.delete(wake);
      },
    };
    // Two limiters on one store stand for two processes sharing an account.
    const here = new ConcurrencyLimiter({ limit: 1, store: shared });
    const elsewhere = new ConcurrencyLimiter({ limit: 1, store: shared });
    const held = await elsewhere.acquire();
    const waiting = here.acquire();
    // Refused, the waiter starts watching the store (and only then).
    await watched;
    expect(here.queued).toBe(1);
    expect(watchers.size).toBe(1);
    held.release();
    (await waiting).release();
    expect(watchers.size).toBe(0);
  });

  it('inUse and canTake count the units every limiter on the store holds; without a count from the store, its own', async () => {
    const store = createMemoryStore();
    const here = new ConcurrencyLimiter({ limit: 3, store, key: 'account' });
    const elsewhere = new ConcurrencyLimiter({ limit: 3, store, key: 'account' });
    const slots = [await elsewhere.acquire(2)];
    expect([here.active, here.inUse, here.canTake(), here.canTake(2)]).toEqual([0, 2, true, false]);
    slots.push(await here.acquire());
    expect([here.active, here.inUse, elsewhere.inUse, here.canTake()]).toEqual([1, 3, 3, false]);
    for (const slot of slots) slot.release();
    expect([here.inUse, here.canTake(3)]).toEqual([0, true]);

    // A store that keeps no count (no `used`): the limiter knows only what it holds.
    const { take, give } = createMemoryStore();
    const blind = { take, give } satisfies ConcurrencyStore;
    const mine = new ConcurrencyLimiter({ limit: 3, store: blind });
    await new ConcurrencyLimiter({ limit: 3, store: blind }).acquire(2);
    expect([mine.inUse, mine.canTake()]).toEqual([0, true]);
    const slot = await mine.acquire();
    expect(mine.inUse).toBe(1);
    slot.release();
  });

  it('a release with holdMs keeps the units in use until it has passed, then lets the next waiter in', async () => {
    vi.useFakeTimers();
    const limiter = new ConcurrencyLimiter({ limit: 2 });
    const held = await limiter.acquire(2);
    const order: string[] = [];
    const waiting = track(limiter, 'next', order);
    held.release(50);
    held.release(); // idempotent: neither frees the units early nor twice
    await vi.advanceTimersByTimeAsync(49);
    expect([limiter.active, limiter.inUse, limiter.canTake(), order]).toEqual([2, 2, false, []]);
    await vi.advanceTimersByTimeAsync(2); // the grace, then one more turn of the event loop
    expect(order).toEqual(['next']);
    (await waiting).release();
    expect([limiter.active, limiter.inUse]).toEqual([0, 0]);
  });

  it('a failing store fails the waiting call, not the process', async () => {
    const broken: ConcurrencyStore = {
      take: () => Promise.reject(new Error('store unreachable')),
      give: () => undefined,
    };
    const limiter = new ConcurrencyLimiter({ limit: 1, store: broken });
    const rejections = await unhandledRejectionsDuring(async () => {
      await expect(limiter.acquire()).rejects.toThrow('store unreachable');
    });
    expect(rejections).toEqual([]);
  });
});

describe('limiter on a backend', () => {
  it('keeps requests in flight within the limit', async () => {
    const backend = scriptedBackend({ step: { delayMs: 5 } });
    const llm = withReliability(backend, { limiter: new ConcurrencyLimiter({ limit: 3 }) });
    await Promise.all(Array.from({ length: 20 }, () => llm.generate(messages, { model: 'm' })));
    expect(backend.maxInFlight).toBe(3);
  });

  it('uses the backend costOf: Featherless-style plan units', async () => {
    // A 4-unit plan: 70B models cost 4 units, small ones 1.
    const backend = scriptedBackend({ step: { delayMs: 10 }, costOf: (model) => (model.includes('70B') ? 4 : 1) });
    const llm = withReliability(backend, { limiter: new ConcurrencyLimiter({ limit: 4 }) });
    await Promise.all([llm.generate(messages, { model: 'Llama-70B' }), llm.generate(messages, { model: 'Llama-70B' })]);
    expect(backend.maxInFlight).toBe(1);
    await Promise.all(Array.from({ length: 6 }, () => llm.generate(messages, { model: 'Qwen-7B' })));
    expect(backend.maxInFlight).toBe(4);
  });

  it('one limiter shared by two backends holds them together under one account limit', async () => {
    const account = new ConcurrencyLimiter({ limit: 2 });
    const a = scriptedBackend({ name: 'a', step: { delayMs: 10 } });
    const b = scriptedBackend({ name: 'b', step: { delayMs: 10 } });
    let now = 0;
    let peak = 0;
    const watch = (event: RouterEvent): void => {
      if (event.type === 'attempt-start') peak = Math.max(peak, ++now);
      if (event.type === 'attempt-end') now--;
    };
    const llm = createRouter({
      backends: { a, b },
      rules: [{ prefix: 'a/', backend: 'a' }],
      default: 'b',
      reliability: { a: { limiter: account }, b: { limiter: account } },
      listeners: [watch],
      timingLog: false,
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => llm.generate(messages, { model: i % 2 ? 'a/x' : 'b/x' })));
    expect(a.calls.length + b.calls.length).toBe(10);
    expect(peak).toBe(2);
    expect(a.maxInFlight + b.maxInFlight).toBeGreaterThanOrEqual(2);
  });

  it('holds a stream slot until the stream is fully consumed, not when it starts answering', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const backend = scriptedBackend({ reply: 'one two three ' });
    const llm = withReliability(backend, { limiter });
    const stream = llm.stream(messages, { model: 'm' });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    expect(limiter.active).toBe(1);
    let second = false;
    const other = llm.generate(messages, { model: 'm' }).then(() => (second = true));
    await nextTurn();
    // The stream is half read: the other call waits in the queue for its slot.
    expect(limiter.queued).toBe(1);
    expect(second).toBe(false);
    while (!(await iterator.next()).done);
    await other;
    expect(limiter.active).toBe(0);
  });

  it('frees a stream slot when the caller stops reading early', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const llm = withReliability(scriptedBackend({ reply: 'one two three ' }), { limiter });
    for await (const _ of llm.stream(messages, { model: 'm' })) break;
    expect(limiter.active).toBe(0);
  });

  it('frees the slot and aborts the request when the caller aborts mid-stream without reading', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const backend = scriptedBackend({ reply: 'one two three ', step: { chunkDelayMs: 10_000 } });
    const llm = withReliability(backend, { limiter });
    const controller = new AbortController();
    const iterator = llm.stream(messages, { model: 'm', signal: controller.signal })[Symbol.asyncIterator]();
    await iterator.next();
    expect(limiter.active).toBe(1);
    controller.abort();
    // Freed at once, before the caller reads again.
    expect(limiter.active).toBe(0);
    expect(backend.calls[0]!.call.signal.aborted).toBe(true);
    await expect(iterator.next()).rejects.toMatchObject({ code: 'aborted' });
  });

  it("keeps the units of a call that ended early for the backend's abortGraceMs, and settles the call at once", async () => {
    vi.useFakeTimers();
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const backend = scriptedBackend({ reply: 'one two three ', abortGraceMs: 50, step: { chunkDelayMs: 10_000 } });
    const llm = withReliability(backend, { limiter });
    const controller = new AbortController();
    const stream = llm.stream(messages, { model: 'm', signal: controller.signal });
    await stream[Symbol.asyncIterator]().next();
    let next = false;
    const queued = llm.generate(messages, { model: 'm' }).then(() => (next = true));
    controller.abort();
    // The caller hears of the abort at once; the server may count the request until it sees the close.
    await expect(stream.completion).rejects.toSatisfy((error) => AbortedError.isInstance(error));
    await vi.advanceTimersByTimeAsync(49);
    expect([limiter.active, limiter.queued, next]).toEqual([1, 1, false]);
    await vi.advanceTimersByTimeAsync(2);
    await queued;
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('keeps the units of an abandoned stream and of a failed call for the grace; a completed call gives them back at once', async () => {
    vi.useFakeTimers();
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const backend = scriptedBackend({ reply: 'one two three ', abortGraceMs: 50, script: [{}, {}, {}, { error: new BackendError('down', { backend: 'scripted' }) }] });
    const llm = withReliability(backend, { limiter });
    await llm.generate(messages, { model: 'm' });
    expect(limiter.active).toBe(0);
    await llm.stream(messages, { model: 'm' }).collect();
    expect(limiter.active).toBe(0);
    for await (const _ of llm.stream(messages, { model: 'm' })) break;
    expect(limiter.active).toBe(1);
    await vi.advanceTimersByTimeAsync(52);
    expect(limiter.active).toBe(0);
    await expect(llm.generate(messages, { model: 'm' })).rejects.toThrow('down');
    expect(limiter.active).toBe(1);
    await vi.advanceTimersByTimeAsync(52);
    expect(limiter.active).toBe(0);
  });

  it("keeps the grace when the backend serves as one of an alias's deployments", async () => {
    vi.useFakeTimers();
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const down = (): BackendError => new BackendError('down', { backend: 'scripted' });
    const backend = scriptedBackend({ abortGraceMs: 50, script: [{ error: down() }, { error: down() }] });
    const router = createRouter({
      backends: { scripted: backend },
      reliability: { scripted: { limiter } },
      aliases: { pool: alias({ deployments: [{ backend: 'scripted', model: 'm1' }, { backend: 'scripted', model: 'm2' }] }) },
      timingLog: false,
    });
    await expect(router.generate(messages, { model: 'pool' })).rejects.toThrow('down');
    expect(limiter.active).toBe(1);
    await vi.advanceTimersByTimeAsync(52);
    expect(limiter.active).toBe(0);
  });

  it('rejects queued callers promptly when they abort, and frees slots of aborted calls in flight', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const backend = scriptedBackend({ step: { hang: true } });
    const llm = withReliability(backend, { limiter });
    const controller = new AbortController();
    const calls = Array.from({ length: 4 }, () => llm.generate(messages, { model: 'm', signal: controller.signal }).catch((e: unknown) => e));
    await nextTurn();
    expect(limiter.queued).toBe(3);
    controller.abort();
    // The call in flight hangs until aborted and the others wait behind it: only the abort settles them.
    const errors = await Promise.all(calls);
    expect(errors.every((e) => AbortedError.isInstance(e))).toBe(true);
    expect(limiter.active).toBe(0);
    expect(limiter.queued).toBe(0);
    expect(backend.calls).toHaveLength(1);
  });

  it("explain shows the routed backend's and each fallback's limiter: units in use, calls waiting, the limit", async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const main = scriptedBackend({ name: 'main', step: { hang: true } });
    const spare = scriptedBackend({ name: 'spare' });
    const router = createRouter({
      backends: { main, spare },
      default: 'main',
      reliability: { main: { limiter, fallbacks: ['spare'] }, spare: { limiter: new ConcurrencyLimiter({ limit: 4 }) } },
    });
    expect(router.explain('m')).toMatchObject({ limiter: { inUse: 0, queued: 0, limit: 1 }, fallbacks: [{ backend: 'spare', limiter: { inUse: 0, queued: 0, limit: 4 } }] });
    const controller = new AbortController();
    const calls = [1, 2].map(() => router.generate(messages, { model: 'm', signal: controller.signal }).catch((e: unknown) => e));
    await nextTurn();
    expect(router.explain('m').limiter).toEqual({ inUse: 1, queued: 1, limit: 1 });
    controller.abort();
    await Promise.all(calls);
    expect(router.explain('m').limiter).toEqual({ inUse: 0, queued: 0, limit: 1 });
    expect(createRouter({ backends: { main }, default: 'main' }).explain('m')).not.toHaveProperty('limiter');
  });

  it('reports the time spent in the queue', async () => {
    const events: RouterEvent[] = [];
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const backend = scriptedBackend({ script: [{ hang: true }] });
    const llm = withReliability(backend, { limiter, listeners: [(e) => events.push(e)] });
    const holder = new AbortController();
    const first = llm.generate(messages, { model: 'm', signal: holder.signal }).catch((e: unknown) => e);
    const second = llm.generate(messages, { model: 'm' });
    await nextTurn();
    expect(limiter.queued).toBe(1);
    // The second call is queued before `queuedBy` and granted only after `freedAt`: it waited at least that long.
    const queuedBy = performance.now();
    await tick(20);
    const freedAt = performance.now();
    holder.abort();
    await Promise.all([first, second]);
    const waits = events.filter((e) => e.type === 'queue-wait');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ backend: 'scripted', model: 'm' });
    expect((waits[0] as Extract<RouterEvent, { type: 'queue-wait' }>).waitMs).toBeGreaterThanOrEqual(freedAt - queuedBy);
  });
});

describe('no leaks', () => {
  it('leaves no listener on a long-lived signal after many calls of every kind', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const flaky = scriptedBackend({
      reply: 'a b c ',
      script: Array.from({ length: 300 }, (_, i) =>
        i % 3 === 0 ? { error: new BackendError('503', { status: 503, isRetryable: true }) } : i % 7 === 0 ? { error: new BackendError('400', { status: 400 }) } : {},
      ),
    });
    const llm = withReliability(flaky, {
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
      limiter: new ConcurrencyLimiter({ limit: 4, queueTimeoutMs: 1000 }),
      breaker: new CircuitBreaker({ failureThreshold: 1000 }),
      fallbacks: [scriptedBackend({ name: 'spare', reply: 'a b c ' })],
      timeoutMs: 5000,
    });
    const rejections = await unhandledRejectionsDuring(async () => {
      await Promise.all(
        Array.from({ length: 150 }, async (_, i) => {
          const options = { model: 'm', signal };
          if (i % 3 === 0) return llm.generate(messages, options).catch(() => undefined);
          if (i % 3 === 1) return llm.stream(messages, options).collect().catch(() => undefined);
          try {
            for await (const _ of llm.stream(messages, options)) break;
          } catch {
            // Some of these fail before their first chunk: expected, and typed.
          }
        }),
      );
    });
    expect(rejections).toEqual([]);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});
