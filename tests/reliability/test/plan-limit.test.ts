import { AbortedError, createRouter, RouterError, StreamInterruptedError } from '@router/core';
import { ConcurrencyLimiter } from '@router/core/reliability';
import { createFeatherlessBackend, defaultAbortGraceMs } from '@router/featherless';
import { createRandom, startSimulator, type Simulator } from '@router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApiKey } from './support/adapters.ts';
import { describeError, messages, waitUntil, watchUnhandledRejections } from './support/harness.ts';

/**
 * A limiter at exactly the Featherless plan must never let the plan refuse a
 * request. The simulator counts a request's units until its exchange is over
 * on the server's side:
 *
 * - a streamed response ends a moment after its `[DONE]` (as a proxy in front
 *   of the server does): a client that frees its slot when it reads `[DONE]`
 *   sends the next request while the plan is full;
 * - a caller that leaves a stream or aborts closes the connection, and the
 *   server frees the units only once it has read that close, while a request
 *   let through at once can reach it first on another connection. The
 *   backend's `abortGraceMs` (its default here) keeps such a call's units in
 *   the limiter a while longer.
 */

const totalCalls = 2_000;
const callers = 32;
/** A scale plan: with more units in flight, the run is shorter for the same count of early ends. */
const planUnits = 8;
/** Three chunks 5 ms apart; the response ends 2 ms after its `[DONE]`. */
const profile = { ttftMs: 1, outputTokens: 6, tokensPerChunk: 2, tokensPerSecond: 400, endDelayMs: 2 };

/**
 * `abandon`: the caller leaves a stream after its first chunk; `abort`: the call's signal fires
 * while the stream runs, at a random moment of the 12 ms after its first chunk (before, during or
 * just after the rest of the response).
 */
type Kind = 'generate' | 'stream' | 'abandon' | 'abort';
/**
 * Cumulative shares: 40% generate, 40% stream, 10% abandoned, 10% aborted. Each early end idles its
 * units for the grace, 250 ms, about 17 times what a call here takes, so more would only slow the run
 * (without the grace, this mix meets about 15 429s).
 */
const kindShares: readonly [Kind, number][] = [
  ['generate', 0.4],
  ['stream', 0.8],
  ['abandon', 0.9],
  ['abort', 1],
];

type Outcome = 'completed' | 'left';

watchUnhandledRejections();

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ defaultProfile: profile, logBodies: false, featherless: { planUnits } });
});
afterAll(() => sim.close());

async function runCall(router: ReturnType<typeof createRouter>, kind: Kind, model: string, abortAfterMs: number): Promise<Outcome> {
  if (kind === 'generate') {
    await router.generate(messages, { model });
    return 'completed';
  }
  if (kind === 'stream') {
    await router.stream(messages, { model }).collect();
    return 'completed';
  }
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stream = router.stream(messages, { model, signal: controller.signal });
  try {
    for await (const _chunk of stream) {
      if (kind === 'abandon') break;
      timer ??= setTimeout(() => controller.abort(), abortAfterMs);
    }
    await stream.completion;
    return 'completed'; // the abort came after the end
  } catch (error) {
    const reason = StreamInterruptedError.isInstance(error) ? error.cause : error;
    if (AbortedError.isInstance(reason)) return 'left';
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

describe('a limiter at exactly the Featherless plan', () => {
  it(`${totalCalls} mixed calls (generate, stream, abandoned and aborted streams; 7B and 24B models) meet no 429 from the plan`, { timeout: 120_000 }, async () => {
    const backend = createFeatherlessBackend({ name: 'featherless', baseURL: sim.baseURL('featherless'), apiKey: testApiKey });
    expect(backend.abortGraceMs).toBe(defaultAbortGraceMs);
    const limiter = new ConcurrencyLimiter({ limit: planUnits, maxQueue: totalCalls });
    // No retries: a 429 from the plan must surface, not be papered over.
    const router = createRouter({ backends: { featherless: backend }, default: 'featherless', reliability: { featherless: { limiter } }, timingLog: false });
    const random = createRandom(12);
    // Costs 1 and 2 (a 7B and a 24B model), so units, not requests, are what is counted.
    const plans = Array.from({ length: totalCalls }, () => {
      const roll = random();
      return {
        kind: kindShares.find(([, upTo]) => roll < upTo)![0],
        model: random() < 0.25 ? 'mistralai/Mistral-Small-24B-Instruct-2501' : 'Qwen/Qwen2.5-7B-Instruct',
        abortAfterMs: Math.floor(random() * 12),
      };
    });
    let next = 0;
    const failures: string[] = [];
    const outcomes: Outcome[] = [];
    const worker = async (): Promise<void> => {
      for (let plan = plans[next++]; plan; plan = plans[next++]) {
        await runCall(router, plan.kind, plan.model, plan.abortAfterMs).then(
          (outcome) => outcomes.push(outcome),
          (error: unknown) => failures.push(`${plan.kind}: ${describeError(error)}`),
        );
      }
    };
    await Promise.all(Array.from({ length: callers }, worker));

    const refused = sim.requests.filter((request) => request.status === 429);
    expect(refused.length, `requests the plan refused (failures: ${failures.slice(0, 3).join('; ')})`).toBe(0);
    expect(failures).toEqual([]);
    const chat = sim.requests.filter((request) => request.path === '/chat/completions');
    expect(chat).toHaveLength(totalCalls);
    // The mix is what it says: callers left streams, and the server saw them close mid-response.
    expect(outcomes.filter((outcome) => outcome === 'left').length, 'calls left early').toBeGreaterThan(totalCalls * 0.15);
    expect(chat.filter((request) => request.clientAborted).length, 'responses cut by the client').toBeGreaterThan(totalCalls * 0.15);
    expect(sim.maxInFlight, 'the plan was used to the full').toBeGreaterThan(planUnits / 2);
    // Units held after an early end come back once the grace has passed: nothing leaks.
    await waitUntil('the limiter is idle', () => limiter.active === 0 && limiter.queued === 0, defaultAbortGraceMs + 2_000);
  });
});
