import { createClient } from '@redis/client';
import { afterEach, describe, expect, it } from 'vitest';
import { model, planUnits, redis, refusedByPlan, sharedPlanConfig, sim, stalledModel, until, useSharedPlan } from './support/plan.ts';
import type { WorkerConfig } from './support/protocol.ts';
import { startWorkers, Worker } from './support/workers.ts';

/**
 * Several app processes share one Featherless plan of 4 units, and one
 * circuit breaker, through Redis. The simulator counts a request against the
 * plan until its connection closes and answers 429 past it, so any
 * over-admission shows in its log.
 */

/** Answers after a second, so a probe is still running while every other process tries. */
const slowModel = 'slow/Llama-3.1-8B-Instruct';

let workers: Worker[] = [];
/** The Redis key prefix of the test's workers. */
let prefix = '';

useSharedPlan({ [slowModel]: { ttftMs: 1_000 } });
afterEach(async () => {
  for (const worker of workers) worker.child.kill('SIGKILL');
  await Promise.all(workers.map((worker) => worker.exited));
  workers = [];
});

function config(overrides: Partial<WorkerConfig> = {}): WorkerConfig {
  const settings: WorkerConfig = { ...sharedPlanConfig('multi'), onRedisDown: 'closed', localShare: 1 / 4, ...overrides };
  prefix = settings.prefix;
  return settings;
}

async function start(count: number, overrides: Partial<WorkerConfig> = {}): Promise<Worker[]> {
  const started = await startWorkers(count, config(overrides));
  workers.push(...started);
  return started;
}



function add(totals: Record<string, number>, outcomes: Record<string, number>): void {
  for (const [outcome, count] of Object.entries(outcomes)) totals[outcome] = (totals[outcome] ?? 0) + count;
}

describe('one Featherless plan shared by several processes through Redis', () => {
  it('4 processes × 64 concurrent mixed calls, limited at exactly the plan: no 429, and the server saw the plan in use at its peak', { timeout: 60_000 }, async () => {
    const group = await start(4);
    const results = await Promise.all(group.map((worker) => worker.run({ calls: 64, model, kinds: 'mixed' })));
    for (const { outcomes } of results) expect(outcomes).toEqual({ ok: 64 });
    expect(refusedByPlan()).toBe(0);
    expect(sim().maxInFlight).toBe(planUnits);
  });

  it('a process killed with SIGKILL while holding every unit gives them back to the others when its lease ends', { timeout: 60_000 }, async () => {
    const [doomed, survivor] = await start(2, { leaseTtlMs: 3_000, commandTimeoutMs: 900 });
    doomed!.start({ calls: planUnits, model: stalledModel, kinds: 'generate' });
    await until(() => sim().inFlight === planUnits);
    survivor!.start({ calls: 8, model, kinds: 'mixed' });
    // The survivor's calls wait in line: every unit is held in Redis by the doomed process.
    const inspector = createClient({ url: redis().url });
    await inspector.connect();
    await until(async () => (await inspector.zScore(`${prefix}:{featherless-plan}:line`, survivor!.processId)) !== null);
    await inspector.close();
    const killedAt = Date.now();
    doomed!.child.kill('SIGKILL');
    expect((await doomed!.exited).signal).toBe('SIGKILL');
    const { outcomes, firstServedAt } = await survivor!.next('done');
    expect(outcomes).toEqual({ ok: 8 });
    expect(refusedByPlan()).toBe(0);
    console.info(`first call served ${firstServedAt! - killedAt} ms after SIGKILL (its units came back when the lease ended: TTL 3000 ms, renewed every 1000 ms)`);
  });

  for (const onRedisDown of ['closed', 'open'] as const) {
    it(`Redis restarted mid-run, failing ${onRedisDown}: no process crashes, no call hangs, and the outcomes are the policy's`, { timeout: 60_000 }, async () => {
      const group = await start(4, { onRedisDown });
      for (const worker of group) worker.start({ calls: 64, model, kinds: 'mixed' });
      await until(() => sim().requests.length >= 40);
      await redis().stop({ hard: true });
      await redis().start();
      const results = await Promise.all(group.map((worker) => worker.next('done')));
      const totals: Record<string, number> = {};
      for (const { outcomes } of results) {
        expect(Object.values(outcomes).reduce((sum, count) => sum + count, 0)).toBe(64);
        add(totals, outcomes);
      }
      // Failing closed, a call that found Redis down is refused with the typed error; failing open, it is
      // served from the process's quarter of the plan. The calls in flight when Redis lost its data are
      // not counted until each process renews its part, so the plan may refuse a few then (429).
      const allowed = onRedisDown === 'closed' ? ['ok', 'shared-state-unavailable', 'backend:429'] : ['ok', 'backend:429'];
      expect(Object.keys(totals).filter((outcome) => !allowed.includes(outcome))).toEqual([]);
      expect(totals.ok).toBeGreaterThan(0);
      console.info(`Redis restart, failing ${onRedisDown}: ${JSON.stringify(totals)}, ${refusedByPlan()} refused by the plan`);
      for (const worker of group) await worker.stop();
      for (const worker of group) expect((await worker.exited).code).toBe(0);
    });
  }
});

describe('one circuit breaker shared by several processes through Redis', () => {
  it('opens everywhere when one process sees 5 failures; the others send nothing until the one probe succeeds', { timeout: 60_000 }, async () => {
    const group = await start(3, { breaker: { failureThreshold: 5, coolDownMs: 1_500 } });
    const [first, ...others] = group;
    // Each process has used the backend, so its breaker knows the shared state and listens for changes.
    for (const worker of group) expect((await worker.run({ calls: 2, model, kinds: 'generate' })).outcomes).toEqual({ ok: 2 });

    sim().addFault({ fault: { kind: 'status', status: 500 }, times: 5 });
    expect((await first!.run({ calls: 5, model, kinds: 'generate' })).outcomes).toEqual({ 'backend:500': 5 });
    const openedAt = Date.now();
    for (const worker of others) await until(async () => (await worker.breaker()).state === 'open');
    console.info(`breaker open in the other processes ${Date.now() - openedAt} ms after the fifth failure`);
    const sent = sim().requests.length;
    for (const worker of others) expect((await worker.run({ calls: 10, model, kinds: 'mixed' })).outcomes).toEqual({ 'circuit-open': 10 });
    expect(sim().requests.length).toBe(sent);

    // After the cool-down every process tries at once, round after round, until a request reaches the backend.
    await until(async () => (await Promise.all(group.map((worker) => worker.breaker()))).every(({ retryAfterMs }) => retryAfterMs === 0));
    const totals: Record<string, number> = {};
    while (sim().requests.length === sent) {
      const rounds = await Promise.all(group.map((worker) => worker.run({ calls: 3, model: slowModel, kinds: 'generate' })));
      for (const { outcomes } of rounds) add(totals, outcomes);
    }
    // Exactly one probe, from one process; everything else refused while it ran.
    expect(sim().requests.length).toBe(sent + 1);
    expect(totals.ok).toBe(1);
    expect(Object.keys(totals).sort()).toEqual(['circuit-open', 'ok']);

    for (const worker of group) await until(async () => (await worker.breaker()).state === 'closed');
    for (const worker of group) expect((await worker.run({ calls: 2, model, kinds: 'generate' })).outcomes).toEqual({ ok: 2 });
  });
});

describe('one rate limit shared by several processes through Redis', () => {
  it('4 processes × 10 calls under 12 requests a minute: 12 reach the backend in all, the rest are refused at once', { timeout: 60_000 }, async () => {
    // A refused call would have to wait 5 s for the next request of the minute; it may wait 1 ms, so it fails at once.
    const group = await start(4, { rate: { requestsPerMinute: 12, maxWaitMs: 1 } });
    const results = await Promise.all(group.map((worker) => worker.run({ calls: 10, model, kinds: 'mixed' })));
    const totals: Record<string, number> = {};
    for (const { outcomes } of results) add(totals, outcomes);
    // Refused calls end in TimeoutError (phase queue), which is retryable: a fallback would take them.
    expect(totals).toEqual({ ok: 12, timeout: 28 });
    expect(sim().requests).toHaveLength(12);
  });
});

describe('a least-busy alias whose deployments have limiters on one Redis store', () => {
  it('a deployment busy in one process is avoided by another process, which has no call of its own on it', { timeout: 60_000 }, async () => {
    const [busy, other] = await start(2, { alias: { name: 'pool', model } });
    // Both deployments idle: ties go to the first one.
    expect((await other!.run({ calls: 2, model: 'pool', kinds: 'generate', oneAtATime: true })).servedBy).toEqual({ featherless: 2 });

    // The busy process holds 2 units of the first deployment (its default route), with calls that do not end.
    busy!.start({ calls: 2, model: stalledModel, kinds: 'generate' });
    await until(() => sim().inFlight === 2);
    // The other process learns it from Redis in the background: its picks never wait on Redis.
    await until(async () => (await other!.explain('pool'))[0]!.inUse === 2);
    expect(await other!.explain('pool')).toEqual([
      { backend: 'featherless', inFlight: 0, inUse: 2 },
      { backend: 'featherless-b', inFlight: 0, inUse: 0 },
    ]);
    const { outcomes, servedBy } = await other!.run({ calls: 4, model: 'pool', kinds: 'mixed', oneAtATime: true });
    expect(outcomes).toEqual({ ok: 4 });
    expect(servedBy).toEqual({ 'featherless-b': 4 });
    expect(refusedByPlan()).toBe(0);
  });
});
