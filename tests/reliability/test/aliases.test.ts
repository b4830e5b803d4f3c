import { createRouter, type Router } from '@router/core';
import { CircuitBreaker } from '@router/core/reliability';
import { alias, latency } from '@router/core/routing';
import { createFeatherlessBackend } from '@router/featherless';
import { createMlxBackend } from '@router/mlx';
import { createOpenRouterBackend } from '@router/openrouter';
import { startSimulator, type Simulator } from '@router/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testApiKey } from './support/adapters.ts';
import { messages, watchUnhandledRejections } from './support/harness.ts';

/**
 * Aliases through real adapters against the simulator: one public model id
 * served by an OpenRouter deployment (the AI SDK), a Featherless one and a
 * local MLX one (the `openai` SDK), each under its own model id. Deployments
 * are told apart by the model id the simulator received.
 */

const PUBLIC = 'llama-3.1-8b';
/** A second model id on Featherless, standing for a second provider of the same weights. */
const slowModel = 'meta-llama/Llama-3.1-8B-Instruct-second';
const models = { openrouter: 'meta-llama/llama-3.1-8b-instruct', mlx: 'mlx-community/Llama-3.1-8B-Instruct-4bit', featherless: 'meta-llama/Meta-Llama-3.1-8B-Instruct' };
/** Large enough that the 10× gap stands out of the timing noise of a busy two-core machine. */
const baseTtftMs = 20;

let sim: Simulator;
watchUnhandledRejections();

beforeAll(async () => {
  sim = await startSimulator({ defaultProfile: { ttftMs: baseTtftMs, outputTokens: 6 }, featherless: { planUnits: 64 } });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.reset();
});

function backends() {
  return {
    openrouter: createOpenRouterBackend({ name: 'openrouter', baseURL: sim.baseURL('openrouter'), apiKey: testApiKey }),
    mlx: createMlxBackend({ name: 'mlx', baseURL: sim.baseURL('mlx') }),
    featherless: createFeatherlessBackend({ name: 'featherless', baseURL: sim.baseURL('featherless'), apiKey: testApiKey }),
  };
}

/** How many of the simulator's chat requests since the last reset went to each deployment. */
function served(): Record<keyof typeof models | 'slow', number> {
  const count = (model: string): number => sim.requests.filter((request) => request.path === '/chat/completions' && request.model === model).length;
  return { openrouter: count(models.openrouter), mlx: count(models.mlx), featherless: count(models.featherless), slow: count(slowModel) };
}

/** `n` streams, a few at a time (each pick sees the averages the earlier batches left). */
async function streams(router: Router, n: number, atOnce = 4): Promise<void> {
  for (let done = 0; done < n; done += atOnce) {
    await Promise.all(Array.from({ length: Math.min(atOnce, n - done) }, () => router.stream(messages, { model: PUBLIC }).collect()));
  }
}

describe('alias through real adapters', () => {
  it('latency: a deployment 10× slower gets under 10% of calls after warm-up, and traffic back once fast again', async () => {
    const router = createRouter({
      backends: backends(),
      aliases: {
        [PUBLIC]: alias({
          // Two deployments through one adapter, so that once both are fast they are equally fast. A wider
          // tolerance than the default: on a busy machine equal deployments' averages drift apart by more
          // than 20% for a while, and the share would then depend on the machine's load, not on the router.
          strategy: latency({ tolerance: 0.5 }),
          seed: 11,
          deployments: [
            { backend: 'featherless', model: models.featherless },
            { backend: 'featherless', model: slowModel },
          ],
        }),
      },
      timingLog: false,
    });
    // The second deployment's first chunk comes 10× later than the first's.
    sim.addFault({ fault: { kind: 'stall', phase: 'first-chunk', ms: 9 * baseTtftMs }, model: slowModel });
    await streams(router, 8);
    sim.reset();
    await streams(router, 100);
    const slow = served();
    const slowTtftMs = router.explain(PUBLIC, 'stream').alias!.deployments[1]!.ttftMs!;
    expect(slow.featherless + slow.slow).toBe(100);
    expect(slow.slow / 100).toBeLessThan(0.1);
    expect(slow.slow).toBeGreaterThan(0); // still sampled: exploration

    sim.clearFaults();
    await streams(router, 300);
    sim.reset();
    await streams(router, 100);
    const recovered = served();
    // It gets traffic back; how evenly two equal deployments then share it depends on the machine's load
    // (their averages drift apart on a busy machine), so the share is compared with the slow phase's only.
    expect(recovered.slow).toBeGreaterThan(Math.max(slow.slow, 5));
    // Exploration measured it again: its average forgot the slow phase.
    expect(router.explain(PUBLIC, 'stream').alias!.deployments[1]!.ttftMs).toBeLessThan(slowTtftMs / 2);
  }, 60_000);

  it('moves a failing deployment’s traffic to the others with no failed call, for generate, stream and embed', async () => {
    const breaker = () => new CircuitBreaker({ failureThreshold: 3, coolDownMs: 60_000 });
    const router = createRouter({
      backends: backends(),
      reliability: { openrouter: { breaker: breaker() }, mlx: { breaker: breaker() }, featherless: { breaker: breaker() } },
      aliases: {
        [PUBLIC]: alias({
          strategy: 'weighted',
          seed: 5,
          deployments: [
            { backend: 'openrouter', model: models.openrouter, weight: 2 },
            { backend: 'featherless', model: models.featherless },
            { backend: 'mlx', model: models.mlx },
          ],
        }),
      },
      timingLog: false,
    });
    const failed: unknown[] = [];
    const ops = ['generate', 'stream', 'embed'] as const;
    for (let round = 0; round < 24; round++) {
      if (round === 8) sim.addFault({ fault: { kind: 'status', status: 503 }, model: models.openrouter });
      await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          const op = ops[(round + i) % 3]!;
          try {
            if (op === 'generate') await router.generate(messages, { model: PUBLIC });
            else if (op === 'stream') await router.stream(messages, { model: PUBLIC }).collect();
            else await router.embed('hello', { model: PUBLIC });
          } catch (error) {
            failed.push(error);
          }
        }),
      );
    }
    expect(failed).toEqual([]);
    const failing = sim.requests.filter((request) => request.model === models.openrouter && request.status === 503).length;
    expect(failing).toBeGreaterThanOrEqual(3);
    // Once its breaker opened (three failures), no call went there.
    expect(failing).toBeLessThanOrEqual(8);
    expect(router.explain(PUBLIC).alias!.deployments[0]).toMatchObject({ backend: 'openrouter', healthy: false, breaker: 'open' });
  });
});
