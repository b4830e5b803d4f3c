import { createClient } from '@redis/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess, type GatewayTestConfig } from './support/gateways.ts';
import { model, planUnits, redis, refusedByPlan, sharedPlanConfig, sim, stalledModel, until, useSharedPlan } from './support/plan.ts';

/**
 * Three `router-gateway` processes, started with the real command, behind
 * which one Featherless plan of 4 units, one breaker and one gateway key's
 * limits are shared through Redis. The simulator counts a request against
 * the plan until its connection closes and answers 429 past it.
 */

const key = 'gw-multi-process-key-0123456789';

let gateways: GatewayProcess[] = [];
/** The Redis key prefix of the test's instances. */
let prefix = '';

useSharedPlan();
afterEach(async () => {
  for (const gateway of gateways) gateway.child.kill('SIGKILL');
  await Promise.all(gateways.map((gateway) => gateway.exited));
  gateways = [];
});

async function start(count: number, overrides: Partial<GatewayTestConfig> = {}): Promise<GatewayProcess[]> {
  const config: GatewayTestConfig = { ...sharedPlanConfig('gateways'), model, key, ...overrides };
  prefix = config.prefix;
  const started = await Promise.all(Array.from({ length: count }, () => startGateway(config)));
  gateways.push(...started);
  return started;
}

interface Outcome {
  status: number;
  /** The error code of a refusal, or `stream-error` when a stream carried an error event. */
  code?: string;
}

/** One chat call through a gateway, read to its end (a stream to `[DONE]`). */
async function call(gateway: GatewayProcess, index: number, stream: boolean, callModel = model): Promise<Outcome> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: callModel, messages: [{ role: 'user', content: `call ${index}` }], stream }),
  });
  const text = await response.text();
  if (response.status !== 200) return { status: response.status, code: (JSON.parse(text) as { error: { code: string } }).error.code };
  if (stream && (!text.trimEnd().endsWith('data: [DONE]') || text.includes('"error"'))) return { status: 200, code: 'stream-error' };
  return { status: 200 };
}



function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const { status, code } of outcomes) {
    const name = code === undefined ? String(status) : `${status}:${code}`;
    totals[name] = (totals[name] ?? 0) + 1;
  }
  return totals;
}

describe('three gateway instances sharing one Featherless plan, one breaker and one key through Redis', () => {
  it('3 instances × 32 concurrent mixed calls, each router limited at exactly the plan: no 429, and the server saw the plan in use at its peak', { timeout: 90_000 }, async () => {
    const group = await start(3);
    const outcomes = await Promise.all(group.flatMap((gateway) => Array.from({ length: 32 }, (_, index) => call(gateway, index, index % 2 === 1))));
    expect(tally(outcomes)).toEqual({ 200: 96 });
    expect(refusedByPlan()).toBe(0);
    expect(sim().requests).toHaveLength(96);
    expect(sim().maxInFlight).toBe(planUnits);
  });

  it("a key's requestsPerMinute holds across the instances: 60 requests to 3 instances under 30 a minute admit 30", { timeout: 90_000 }, async () => {
    const group = await start(3, { requestsPerMinute: 30 });
    const started = performance.now();
    const outcomes = await Promise.all(group.flatMap((gateway) => Array.from({ length: 20 }, (_, index) => call(gateway, index, index % 2 === 1))));
    const elapsedMs = performance.now() - started;
    const totals = tally(outcomes);
    const admitted = totals[200] ?? 0;
    console.info(`requestsPerMinute 30 over 3 instances: ${JSON.stringify(totals)} in ${Math.round(elapsedMs)} ms`);
    expect(Object.keys(totals).sort()).toEqual(['200', '429:rate_limit_exceeded']);
    // The bucket refills one request every 2 s: a run slower than that may admit one more per 2 s, never 60.
    expect(admitted).toBeGreaterThanOrEqual(30);
    expect(admitted).toBeLessThanOrEqual(30 + Math.floor(elapsedMs / 2_000));
    expect(sim().requests).toHaveLength(admitted);
  });

  it("a key's budget holds across the instances: 15 calls of cost 6 to 3 instances under a budget of 30 admit 5 (15 when each instance counts its own)", { timeout: 90_000 }, async () => {
    const spread = (group: GatewayProcess[]): Promise<Outcome[]> =>
      Promise.all(group.flatMap((gateway) => Array.from({ length: 5 }, (_, index) => call(gateway, index, index % 2 === 1))));
    const shared = tally(await spread(await start(3, { budget: 30 })));
    expect(shared).toEqual({ 200: 5, '429:insufficient_quota': 10 });
    expect(sim().requests).toHaveLength(5);
    // Every call settled in Redis: 30 spent, nothing held.
    const inspector = createClient({ url: redis().url });
    await inspector.connect();
    try {
      await until(async () => (await inspector.get(`${prefix}:{budget:gateway-key:shared}:spent`)) === '30' && (await inspector.hLen(`${prefix}:{budget:gateway-key:shared}:held`)) === 0);
    } finally {
      await inspector.close();
    }
    const first = gateways.splice(0);
    for (const gateway of first) gateway.child.kill('SIGKILL');
    await Promise.all(first.map((gateway) => gateway.exited));

    const separate = tally(await spread(await start(3, { budget: 30, budgetsInMemory: true })));
    console.info(`budget 30 over 3 instances: ${JSON.stringify(shared)} with keyStore.budgets, ${JSON.stringify(separate)} without`);
    expect(separate).toEqual({ 200: 15 });
  });

  it('SIGKILL of an instance holding every unit: the others get the units back when its lease ends, and serve all their calls', { timeout: 90_000 }, async () => {
    const [doomed, ...survivors] = await start(3, { leaseTtlMs: 3_000, commandTimeoutMs: 900 });
    const lost = Array.from({ length: planUnits }, (_, index) => call(doomed!, index, false, stalledModel).catch(() => undefined));
    await until(() => sim().inFlight === planUnits);
    let firstServedAt: number | undefined;
    const waiting = survivors.flatMap((gateway) =>
      Array.from({ length: 4 }, (_, index) =>
        call(gateway, index, index % 2 === 1).then((outcome) => {
          if (outcome.status === 200) firstServedAt ??= Date.now();
          return outcome;
        }),
      ),
    );
    // Both survivors' calls wait in line in Redis: every unit is held by the doomed instance.
    const inspector = createClient({ url: redis().url });
    await inspector.connect();
    await until(async () => (await inspector.zCard(`${prefix}:{featherless-plan}:line`)) === 2);
    await inspector.close();
    const killedAt = Date.now();
    doomed!.child.kill('SIGKILL');
    expect((await doomed!.exited).signal).toBe('SIGKILL');
    await Promise.all(lost);
    expect(tally(await Promise.all(waiting))).toEqual({ 200: 8 });
    expect(refusedByPlan()).toBe(0);
    console.info(`first call served ${firstServedAt! - killedAt} ms after SIGKILL (units back when the lease ended: TTL 3000 ms, renewed every 1000 ms)`);
  });

  it('the breaker opened by 5 failures in one instance is open in the others, which send nothing', { timeout: 90_000 }, async () => {
    const [first, ...others] = await start(3);
    // Each instance has used the backend, so its breaker knows the shared state and listens for changes.
    for (const gateway of [first!, ...others]) expect(tally(await Promise.all([call(gateway, 0, false), call(gateway, 1, true)]))).toEqual({ 200: 2 });

    sim().addFault({ fault: { kind: 'status', status: 500 }, times: 5 });
    const failures = [];
    for (let index = 0; index < 5; index++) failures.push(await call(first!, index, false));
    expect(tally(failures)).toEqual({ '502:backend_error': 5 });
    const openedAt = Date.now();
    for (const gateway of others) await until(async () => (await fetch(`${gateway.url}/readyz`)).status === 503);
    console.info(`breaker open in the other instances ${Date.now() - openedAt} ms after the fifth failure`);
    const sent = sim().requests.length;
    const refused = await Promise.all(others.flatMap((gateway) => Array.from({ length: 5 }, (_, index) => call(gateway, index, index % 2 === 1))));
    expect(tally(refused)).toEqual({ '503:backend_unavailable': 10 });
    expect(sim().requests).toHaveLength(sent);
  });

  it('Redis down: the store fails closed, so calls get a 503 shared_state_unavailable at once, not a wait; back to 200 once Redis is', { timeout: 90_000 }, async () => {
    const [gateway] = await start(1, { requestsPerMinute: 1_000 });
    expect(await call(gateway!, 0, false)).toEqual({ status: 200 });
    await redis().stop({ hard: true });
    try {
      const refused = await Promise.all([call(gateway!, 1, false), call(gateway!, 2, true)]);
      expect(refused).toEqual([
        { status: 503, code: 'shared_state_unavailable' },
        { status: 503, code: 'shared_state_unavailable' },
      ]);
      expect(sim().requests).toHaveLength(1);
    } finally {
      await redis().start();
    }
    // The store reconnects by itself; calls skip Redis for its retryAfterMs after a failure, then try it again.
    await until(async () => (await call(gateway!, 3, false)).status === 200);
  });
});
