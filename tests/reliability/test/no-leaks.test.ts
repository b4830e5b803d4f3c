import { getEventListeners } from 'node:events';
import { createRouter, RouterError, type Router } from '@router/core';
import { ConcurrencyLimiter } from '@router/core/reliability';
import { startSimulator, type Fault, type Simulator } from '@router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters, createFallback, fallbackDialect, type AdapterCase } from './support/adapters.ts';
import { describeError, drain, messages, waitUntil, watchUnhandledRejections } from './support/harness.ts';

/**
 * One long-lived signal (an application's shutdown signal, say) passed to
 * many calls of every kind: successes, retries, fallbacks, broken and
 * abandoned streams, timeouts and queue waits. Afterwards it must carry no
 * listener (`AbortSignal.any` would leave one per call on Node), the
 * limiters must be empty, and no timer may be left behind.
 */

const callsPerKind = 8;
const profile = { outputTokens: 12 };

watchUnhandledRejections();

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ defaultProfile: profile, featherless: { planUnits: 64 } });
});
afterAll(() => sim.close());

interface CallKind {
  label: string;
  op: 'generate' | 'stream' | 'abandon';
  /** Aimed at the first attempt of the call. */
  fault?: Fault;
  timeoutMs?: number;
}

const kinds: CallKind[] = [
  { label: 'ok', op: 'generate' },
  { label: 'ok', op: 'stream' },
  { label: 'abandoned after the first chunk', op: 'abandon' },
  { label: '503 then recovered', op: 'generate', fault: { kind: 'status', status: 503 } },
  { label: 'reset then recovered', op: 'stream', fault: { kind: 'reset' } },
  { label: 'interrupted', op: 'stream', fault: { kind: 'close-mid-stream', afterChunks: 2 } },
  { label: 'with a deadline', op: 'generate', timeoutMs: 5_000 },
  { label: 'past its deadline', op: 'generate', fault: { kind: 'stall', phase: 'headers', ms: 5_000 }, timeoutMs: 100 },
  { label: 'past its deadline', op: 'stream', fault: { kind: 'stall', phase: 'first-chunk', ms: 5_000 }, timeoutMs: 100 },
];

/** One call; resolves when it has settled either way, and says whether it failed with a typed error. */
async function run(router: Router, kind: CallKind, model: string, signal: AbortSignal): Promise<'ok' | 'typed-error' | unknown> {
  const options = { model, signal, ...(kind.timeoutMs !== undefined && { timeoutMs: kind.timeoutMs }) };
  try {
    if (kind.op === 'generate') await router.generate(messages, options);
    else if (kind.op === 'stream') {
      const { error } = await drain(router.stream(messages, options));
      if (error !== undefined) throw error;
    } else {
      for await (const _ of router.stream(messages, options)) break;
    }
    return 'ok';
  } catch (error) {
    return RouterError.isInstance(error) ? 'typed-error' : error;
  }
}

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

describe.each(adapters)('no leaks: $name', (adapter: AdapterCase) => {
  it(`${kinds.length * callsPerKind} calls of every kind on one long-lived signal leave no listener, slot or timer`, async () => {
    const fallback = fallbackDialect(adapter.dialect);
    const limiters = { primary: new ConcurrencyLimiter({ limit: 2 }), fallback: new ConcurrencyLimiter({ limit: 2 }) };
    const timeouts = { firstChunkTimeoutMs: 5_000, idleTimeoutMs: 5_000 };
    const router = createRouter({
      backends: { primary: adapter.create(sim.baseURL(adapter.dialect), 'primary'), fallback: createFallback(sim.baseURL(fallback)) },
      default: 'primary',
      reliability: {
        primary: { limiter: limiters.primary, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 }, fallbacks: ['fallback'], ...timeouts },
        fallback: { limiter: limiters.fallback, ...timeouts },
      },
      timingLog: false,
    });
    const timersBefore = activeTimers();
    const shutdown = new AbortController();

    const calls = kinds.flatMap((kind, k) =>
      Array.from({ length: callsPerKind }, (_, i) => {
        const model = `${adapter.name}-leaks-${k}-${i}`;
        if (kind.fault) sim.addFault({ model, dialect: adapter.dialect, times: 1, fault: kind.fault });
        return run(router, kind, model, shutdown.signal);
      }),
    );
    // While the calls run (and queue: 2 slots each), the signal is watched...
    expect(getEventListeners(shutdown.signal, 'abort').length, 'listeners while calls are running').toBeGreaterThan(0);
    const outcomes = await Promise.all(calls);

    const untyped = outcomes.filter((outcome) => outcome !== 'ok' && outcome !== 'typed-error');
    expect(untyped.map(describeError), 'every failure is a typed error').toEqual([]);
    expect(outcomes.filter((outcome) => outcome === 'typed-error'), 'the interrupted and timed-out calls failed').toHaveLength(3 * callsPerKind);
    // ...and afterwards it carries nothing.
    expect(getEventListeners(shutdown.signal, 'abort'), 'listeners left on the long-lived signal').toEqual([]);
    // A call that ended early keeps its units for its backend's abortGraceMs (Featherless's), on a timer: both end.
    const idle = (): boolean => [limiters.primary, limiters.fallback].every((limiter) => limiter.active === 0 && limiter.queued === 0);
    await waitUntil('the units of calls that ended early are given back', idle, 5_000);
    expect(activeTimers(), 'timers left behind').toBeLessThanOrEqual(timersBefore);
  });
});
