import { describe, expect, it } from 'vitest';
import { createRouter, type Operation, type Router } from '../../src/index.ts';
import { ConcurrencyLimiter, createMemoryStore } from '../../src/reliability.ts';
import { alias, latency, strategies, type DeploymentView, type StrategyName } from '../../src/routing.ts';
import { messages } from '../reliability/scripted-backend.ts';
import { gatedBackend, type Gated } from './gated-backend.ts';

const POOL = 'pool';

function call(router: Router, operation: Operation): Promise<{ backend: string; model: string }> {
  if (operation === 'generate') return router.generate(messages, { model: POOL });
  if (operation === 'stream') return router.stream(messages, { model: POOL }).collect();
  return router.embed('hello', { model: POOL });
}

/** A seeded generator for the pure strategy tests (the same one aliases use is internal). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const view = (index: number, fields: Partial<DeploymentView> = {}): DeploymentView => ({
  backend: `d${index}`,
  model: `m${index}`,
  index,
  weight: 1,
  costPerToken: undefined,
  inFlight: 0,
  limiter: undefined,
  ttftMs: undefined,
  totalMs: undefined,
  samples: 0,
  ...fields,
});

describe('every strategy', () => {
  const names = Object.keys(strategies) as StrategyName[];
  it.each(names.flatMap((name) => (['generate', 'stream', 'embed'] as const).map((operation) => [name, operation] as const)))(
    '%s serves %s through a deployment under its own model id',
    async (strategy, operation) => {
      const a = gatedBackend('a');
      const b = gatedBackend('b');
      const router = createRouter({
        backends: { a, b },
        aliases: { [POOL]: alias({ strategy, seed: 1, deployments: [{ backend: 'a', model: 'model-a', costPerToken: 2 }, { backend: 'b', model: 'model-b', costPerToken: 1 }] }) },
        timingLog: false,
      });
      const served = await Promise.all(Array.from({ length: 4 }, () => call(router, operation)));
      for (const { backend, model } of served) expect(model).toBe(`model-${backend}`);
      expect([...a.calls, ...b.calls].map((c) => c.options.model).sort()).toEqual(served.map((s) => s.model).sort());
    },
  );
});

describe('weighted', () => {
  const weightedRouter = (seed: number) => {
    const a = gatedBackend('a');
    const b = gatedBackend('b');
    const router = createRouter({
      backends: { a, b },
      aliases: { [POOL]: alias({ strategy: 'weighted', seed, deployments: [{ backend: 'a', model: 'x', weight: 3 }, { backend: 'b', model: 'y', weight: 1 }] }) },
      timingLog: false,
    });
    return { router, a, b };
  };

  it('shares 3:1 within ±3% over 10,000 seeded calls', async () => {
    const { router, a, b } = weightedRouter(42);
    for (let i = 0; i < 10_000; i++) await router.generate(messages, { model: POOL });
    expect(a.calls.length + b.calls.length).toBe(10_000);
    expect(a.calls.length / 10_000).toBeGreaterThan(0.72);
    expect(a.calls.length / 10_000).toBeLessThan(0.78);
  });

  it('repeats its picks for a seed', async () => {
    const order = async (seed: number): Promise<string> => {
      const { router } = weightedRouter(seed);
      let served = '';
      for (let i = 0; i < 64; i++) served += (await router.generate(messages, { model: POOL })).backend;
      return served;
    };
    expect(await order(7)).toBe(await order(7));
    expect(await order(7)).not.toBe(await order(8));
  });
});

describe('least-busy', () => {
  const inFlight = (router: Router): number[] => router.explain(POOL).alias!.deployments.map((d) => d.inFlight);

  it('never puts a call on a deployment at its limit while another has room', async () => {
    const a = gatedBackend('a', { gated: true });
    const b = gatedBackend('b', { gated: true });
    const router = createRouter({
      backends: { a, b },
      reliability: { a: { limiter: new ConcurrencyLimiter({ limit: 1 }) }, b: { limiter: new ConcurrencyLimiter({ limit: 3 }) } },
      aliases: { [POOL]: alias({ strategy: 'least-busy', deployments: [{ backend: 'a', model: 'x' }, { backend: 'b', model: 'y' }] }) },
      timingLog: false,
    });
    const calls: Promise<unknown>[] = [];
    const placements: number[][] = [];
    for (let i = 0; i < 5; i++) {
      calls.push(i % 2 === 0 ? router.generate(messages, { model: POOL }) : router.stream(messages, { model: POOL }).collect());
      placements.push(inFlight(router));
    }
    // a (limit 1) takes the first; b (limit 3) every call while it has room; then the least loaded, a, queues one.
    expect(placements).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
    await expect.poll(() => a.open + b.open).toBe(4);
    a.finish();
    b.finish();
    await expect.poll(() => a.open).toBe(1);
    a.finish();
    expect((await Promise.all(calls)).length).toBe(5);
    expect(inFlight(router)).toEqual([0, 0]);
  });

  it('counts the units other routers hold through a shared store, as it would another process through a shared Redis store', async () => {
    const stores = { a: createMemoryStore(), b: createMemoryStore() };
    const routerOn = (gated: { a: Gated; b: Gated }): Router =>
      createRouter({
        backends: gated,
        default: 'a',
        reliability: {
          a: { limiter: new ConcurrencyLimiter({ limit: 4, store: stores.a }) },
          b: { limiter: new ConcurrencyLimiter({ limit: 4, store: stores.b }) },
        },
        aliases: { [POOL]: alias({ strategy: 'least-busy', deployments: [{ backend: 'a', model: 'x' }, { backend: 'b', model: 'y' }] }) },
        timingLog: false,
      });
    const first = { a: gatedBackend('a', { gated: true }), b: gatedBackend('b', { gated: true }) };
    const second = { a: gatedBackend('a', { gated: true }), b: gatedBackend('b', { gated: true }) };
    const busy = routerOn(first);
    const other = routerOn(second);
    // The first router's two calls hold units of a (routed to it by the default rule, through its limiter).
    const held = [busy.generate(messages, { model: 'direct' }), busy.stream(messages, { model: 'direct' }).collect()];
    await expect.poll(() => first.a.open).toBe(2);
    expect(other.explain(POOL).alias!.deployments.map((d) => [d.inFlight, d.inUse])).toEqual([
      [0, 2],
      [0, 0],
    ]);
    // The other router has nothing in flight, yet sends its calls to b until b is as busy as a.
    const placed = [other.generate(messages, { model: POOL }), other.generate(messages, { model: POOL })];
    await expect.poll(() => second.b.open).toBe(2);
    const tie = other.generate(messages, { model: POOL });
    await expect.poll(() => second.a.open).toBe(1);
    for (const gated of [first.a, second.a, second.b]) gated.finish();
    expect((await Promise.all(placed)).map((completion) => completion.backend)).toEqual(['b', 'b']);
    expect((await tie).backend).toBe('a');
    await Promise.all(held);
  });

  it('without limiters, spreads calls by how many each has in flight', async () => {
    const a = gatedBackend('a', { gated: true });
    const b = gatedBackend('b', { gated: true });
    const c = gatedBackend('c', { gated: true });
    const router = createRouter({
      backends: { a, b, c },
      aliases: { [POOL]: alias({ strategy: 'least-busy', deployments: ['a', 'b', 'c'].map((backend) => ({ backend, model: 'm' })) }) },
      timingLog: false,
    });
    const calls = Array.from({ length: 6 }, () => router.embed('x', { model: POOL }));
    expect(inFlight(router)).toEqual([2, 2, 2]);
    await expect.poll(() => a.open + b.open + c.open).toBe(6);
    a.finish();
    await expect.poll(() => inFlight(router)).toEqual([0, 2, 2]);
    const next = router.embed('x', { model: POOL });
    expect(inFlight(router)).toEqual([1, 2, 2]);
    await expect.poll(() => a.open).toBe(1);
    a.finish();
    b.finish();
    c.finish();
    await Promise.all([...calls, next]);
  });
});

describe('latency', () => {
  const share = (pick: (candidates: readonly DeploymentView[]) => number, candidates: DeploymentView[], n: number): number[] => {
    const counts = candidates.map(() => 0);
    for (let i = 0; i < n; i++) counts[pick(candidates)]!++;
    return counts.map((count) => count / n);
  };

  it('tries an unmeasured deployment first, then keeps a 10× slower one under 10% and shares equals', () => {
    const strategy = latency();
    const context = { operation: 'stream' as Operation, random: random(5) };
    const pick = (candidates: readonly DeploymentView[]) => strategy(candidates, context);
    expect(pick([view(0, { ttftMs: 10 }), view(1)])).toBe(1);
    // Busy with its first call: the measured one serves meanwhile; with none measured, calls spread.
    expect(pick([view(0, { ttftMs: 10 }), view(1, { inFlight: 1 })])).toBe(0);
    expect(new Set(Array.from({ length: 50 }, () => pick([view(0, { inFlight: 1 }), view(1, { inFlight: 1 })])))).toEqual(new Set([0, 1]));
    const [fast, slow] = share(pick, [view(0, { ttftMs: 10 }), view(1, { ttftMs: 100 })], 10_000);
    expect(slow).toBeLessThan(0.1);
    expect(slow).toBeGreaterThan(0);
    expect(fast).toBeGreaterThan(0.9);
    const [first] = share(pick, [view(0, { ttftMs: 10 }), view(1, { ttftMs: 11 })], 10_000);
    expect(first).toBeGreaterThan(0.45);
    expect(first).toBeLessThan(0.55);
    // `generate` and `embed` rank by total time, not by time to first chunk.
    context.operation = 'generate';
    expect(share(pick, [view(0, { ttftMs: 1, totalMs: 500 }), view(1, { ttftMs: 50, totalMs: 50 })], 1000)[1]).toBeGreaterThan(0.9);
  });

  it('learns from calls through the router, and explain shows the averages', async () => {
    const a = gatedBackend('a');
    const b = gatedBackend('b');
    const router = createRouter({
      backends: { a, b },
      aliases: { [POOL]: alias({ strategy: 'latency', seed: 1, deployments: [{ backend: 'a', model: 'x' }, { backend: 'b', model: 'y' }] }) },
      timingLog: false,
    });
    await router.generate(messages, { model: POOL });
    await router.generate(messages, { model: POOL });
    await router.stream(messages, { model: POOL }).collect();
    const explained = router.explain(POOL, 'stream').alias!;
    expect(a.calls.length).toBeGreaterThan(0);
    expect(b.calls.length).toBeGreaterThan(0);
    expect(explained.deployments[0]!.totalMs).toBeGreaterThanOrEqual(0);
    expect(explained.deployments[1]!.totalMs).toBeGreaterThanOrEqual(0);
    expect(explained.strategy).toBe('latency');
    expect(explained.why).toMatch(/time to first chunk|not measured yet/);
  });
});

describe('cost', () => {
  it('picks the cheapest configured price, learns a reported one, and puts an unknown one last', async () => {
    const priced = (name: string, cost?: number): Gated => gatedBackend(name, cost === undefined ? {} : { usage: { totalTokens: 100, cost } });
    const a = priced('a');
    const b = priced('b', 0.01); // reports 0.0001 per token
    const c = priced('c');
    const d = priced('d', 0.5);
    const router = createRouter({
      backends: { a, b, c, d },
      aliases: {
        [POOL]: alias({
          strategy: 'cost',
          deployments: [
            { backend: 'a', model: 'm', costPerToken: 0.001 },
            { backend: 'b', model: 'm' },
            { backend: 'c', model: 'm' },
            { backend: 'd', model: 'm', costPerToken: 0.0005 },
          ],
        }),
      },
      timingLog: false,
    });
    const served: string[] = [];
    for (let i = 0; i < 5; i++) served.push((await router.generate(messages, { model: POOL })).backend);
    // b and c are tried once to learn their price; b reports the cheapest, c reports none.
    expect(served).toEqual(['b', 'c', 'b', 'b', 'b']);
    const explained = router.explain(POOL).alias!;
    expect(explained.deployments.map((deployment) => deployment.costPerToken)).toEqual([0.001, 0.0001, undefined, 0.0005]);
    expect(explained.why).toBe('cheapest: 0.0001 per token');
  });
});
