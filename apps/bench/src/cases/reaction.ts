import { createRouter, type Router } from '@router/core';
import { ConcurrencyLimiter } from '@router/core/reliability';
import { createOpenAICompatibleBackend } from '@router/openai-compatible';
import { startSimulator, type LoggedRequest, type Simulator } from '@router/testing';
import type { BenchCase } from '../context.ts';
import { atMost, figure, mustBeZero, type Figures } from '../figures.ts';
import { median } from '../stats.ts';

const messages = [{ role: 'user' as const, content: 'Hello' }];
/** How late a retry may come after its `Retry-After`, and how long an abort may take to free a slot. */
const retryAfterGoalMs = 50;
const abortGoalMs = 100;

function routerOn(sim: Simulator, limiter?: ConcurrencyLimiter): Router {
  const primary = createOpenAICompatibleBackend({ name: 'primary', baseURL: sim.baseURL('openai'), apiKey: 'bench' });
  return createRouter({
    backends: { primary },
    default: 'primary',
    reliability: { primary: { retry: { maxAttempts: 2 }, ...(limiter && { limiter }) } },
    timingLog: false,
  });
}

const chatRequests = (sim: Simulator, model: string): LoggedRequest[] =>
  sim.requests.filter((request) => request.path === '/chat/completions' && request.model === model);

/** Resolves once `condition` holds, checking at every turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** One answer and one final error first, so the figures time the reactions, not the SDK's first-call costs. */
async function warmUp(sim: Simulator, router: Router): Promise<void> {
  await router.generate(messages, { model: 'warm-up' });
  sim.addFault({ model: 'warm-up-error', times: 1, fault: { kind: 'status', status: 400 } });
  await router.generate(messages, { model: 'warm-up-error' }).catch(() => undefined);
}

/** How much later than its `Retry-After: 1` each retry reached the server (server clock), calls side by side. */
async function retryAfterOvershoot(sim: Simulator, calls: number): Promise<{ overshootMs: number[]; failed: number }> {
  const router = routerOn(sim);
  await warmUp(sim, router);
  const models = Array.from({ length: calls }, (_, i) => `retry-after-${i}`);
  for (const model of models) sim.addFault({ model, times: 1, fault: { kind: 'status', status: 429, retryAfter: '1' } });
  const results = await Promise.allSettled(models.map((model) => router.generate(messages, { model })));
  const overshootMs = models.flatMap((model) => {
    const [first, second] = chatRequests(sim, model);
    return first?.endedAt !== undefined && second ? [second.startedAt - first.endedAt - 1_000] : [];
  });
  return { overshootMs, failed: results.filter((result) => result.status === 'rejected').length };
}

/**
 * With a limiter of one, a call holding the slot (waiting for a slow answer) is aborted while another
 * waits: how long until the holder's socket closed and the waiter's request reached the server.
 */
async function abortToSlot(sim: Simulator, rounds: number): Promise<{ socketMs: number[]; slotMs: number[]; failed: number }> {
  const limiter = new ConcurrencyLimiter({ limit: 1 });
  const router = routerOn(sim, limiter);
  await warmUp(sim, router);
  const socketMs: number[] = [];
  const slotMs: number[] = [];
  let failed = 0;
  for (let round = 0; round < rounds; round++) {
    const controller = new AbortController();
    const holding = router.generate(messages, { model: 'slow-answer', signal: controller.signal }).catch(() => undefined);
    await until(() => sim.inFlight === 1);
    const [held] = sim.requests.filter((request) => request.model === 'slow-answer' && request.endedAt === undefined);
    const waiterModel = `waiter-${round}`;
    const waiter = router.generate(messages, { model: waiterModel }).then(
      () => undefined,
      () => (failed += 1),
    );
    await until(() => limiter.queued === 1);
    const abortedAt = Date.now();
    controller.abort();
    await Promise.all([holding, waiter]);
    await until(() => held?.endedAt !== undefined);
    const [next] = chatRequests(sim, waiterModel);
    if (held?.endedAt === undefined || !next) failed += 1;
    else {
      socketMs.push(held.endedAt - abortedAt);
      slotMs.push(next.startedAt - abortedAt);
    }
  }
  return { socketMs, slotMs, failed };
}

/**
 * Case 9: how promptly the router reacts, timed on the simulator's clock (millisecond steps): a retry
 * after `Retry-After`, and an abort freeing the concurrency slot. These were once bounds in
 * tests/reliability; as speed claims they belong here, where a busy machine shows as a figure.
 */
export const reactionCase: BenchCase = {
  key: 'reaction',
  title: 'Retry-After waited out, and an abort freeing a held slot, on the simulator clock (openai-compatible)',
  async run({ quick, progress }) {
    const sim = await startSimulator({ models: { 'slow-answer': { ttftMs: 60_000 } }, logBodies: false });
    try {
      const calls = quick ? 4 : 16;
      progress(`reaction: ${calls} calls answered 429 with Retry-After: 1, side by side`);
      const retry = await retryAfterOvershoot(sim, calls);
      const rounds = quick ? 10 : 50;
      progress(`reaction: ${rounds} aborts of a call holding the only slot`);
      const abort = await abortToSlot(sim, rounds);
      const figures: Figures = {
        'retryAfter.overshoot.median': figure(median(retry.overshootMs), 'ms'),
        'retryAfter.overshoot.max': atMost(Math.max(...retry.overshootMs), 'ms', retryAfterGoalMs),
        'retryAfter.early': mustBeZero(retry.overshootMs.filter((ms) => ms < -1).length, 'retries'),
        'abort.socketClosed.max': atMost(Math.max(...abort.socketMs), 'ms', abortGoalMs),
        'abort.slotFreed.median': figure(median(abort.slotMs), 'ms'),
        'abort.slotFreed.max': atMost(Math.max(...abort.slotMs), 'ms', abortGoalMs),
        failedCalls: mustBeZero(retry.failed + abort.failed + (calls - retry.overshootMs.length), 'calls'),
      };
      return figures;
    } finally {
      await sim.close();
    }
  },
};
