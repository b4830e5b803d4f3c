import { createRouter, RouterError } from '@router/core';
import { ConcurrencyLimiter } from '@router/core/reliability';
import { createFeatherlessBackend } from '@router/featherless';
import { createRandom, startSimulator, type Simulator } from '@router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApiKey } from './support/adapters.ts';
import { describeError, messages, watchUnhandledRejections } from './support/harness.ts';

/**
 * A limiter at exactly the Featherless plan must never let the plan refuse a
 * request. The simulator ends each streamed response a moment after its
 * `[DONE]` (as a proxy in front of the server does) and counts the request's
 * units until then: a client that frees its slot when it reads `[DONE]` sends
 * the next request while the plan is full.
 *
 * Abandoned and aborted streams are left out here: the server learns that a
 * client left only when it reads the connection's close, and a request let
 * through on another connection can reach it first (a known limit, in the
 * core README). The load test covers them against the plan's own count.
 */

const totalCalls = 2_000;
const callers = 32;
const planUnits = 4;
/** Three chunks 5 ms apart; the response ends 2 ms after its `[DONE]`. */
const profile = { ttftMs: 1, outputTokens: 6, tokensPerChunk: 2, tokensPerSecond: 400, endDelayMs: 2 };

type Kind = 'generate' | 'stream';

watchUnhandledRejections();

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ defaultProfile: profile, logBodies: false, featherless: { planUnits } });
});
afterAll(() => sim.close());

async function runCall(router: ReturnType<typeof createRouter>, kind: Kind, model: string): Promise<void> {
  try {
    if (kind === 'generate') await router.generate(messages, { model });
    else await router.stream(messages, { model }).collect();
  } catch (error) {
    if (!RouterError.isInstance(error)) throw error;
    throw new Error(`${kind} call failed: ${describeError(error)}`, { cause: error });
  }
}

describe('a limiter at exactly the Featherless plan', () => {
  it(`${totalCalls} mixed calls (generate and stream, 7B and 24B models) meet no 429 from the plan`, { timeout: 120_000 }, async () => {
    const backend = createFeatherlessBackend({ name: 'featherless', baseURL: sim.baseURL('featherless'), apiKey: testApiKey });
    const limiter = new ConcurrencyLimiter({ limit: planUnits, maxQueue: totalCalls });
    // No retries: a 429 from the plan must surface, not be papered over.
    const router = createRouter({ backends: { featherless: backend }, default: 'featherless', reliability: { featherless: { limiter } }, timingLog: false });
    const random = createRandom(12);
    const kinds: Kind[] = ['generate', 'stream'];
    // Costs 1 and 2 (a 7B and a 24B model), so units, not requests, are what is counted.
    const plans = Array.from({ length: totalCalls }, () => ({
      kind: kinds[Math.floor(random() * kinds.length)]!,
      model: random() < 0.25 ? 'mistralai/Mistral-Small-24B-Instruct-2501' : 'Qwen/Qwen2.5-7B-Instruct',
    }));
    let next = 0;
    const failures: string[] = [];
    const worker = async (): Promise<void> => {
      for (let plan = plans[next++]; plan; plan = plans[next++]) {
        await runCall(router, plan.kind, plan.model).catch((error: unknown) => failures.push(describeError(error)));
      }
    };
    await Promise.all(Array.from({ length: callers }, worker));

    const refused = sim.requests.filter((request) => request.status === 429);
    expect(refused.length, `requests the plan refused (failures: ${failures.slice(0, 3).join('; ')})`).toBe(0);
    expect(failures).toEqual([]);
    expect(sim.requests.filter((request) => request.path === '/chat/completions')).toHaveLength(totalCalls);
    expect(sim.maxInFlight, 'the plan was used to the full').toBeGreaterThanOrEqual(2);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });
});
