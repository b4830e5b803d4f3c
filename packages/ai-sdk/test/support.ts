import { createRouter, type Router } from '@router/core';
import { ConcurrencyLimiter } from '@router/core/reliability';
import { createFeatherlessBackend } from '@router/featherless';
import { createMlxBackend } from '@router/mlx';
import { createOpenRouterBackend } from '@router/openrouter';
import { startSimulator, type LoggedRequest, type Simulator } from '@router/testing';
import * as ai7 from 'ai';
import * as ai6 from 'ai6';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createRouterProvider, type RouterProvider } from '../src/index.ts';

/** Both majors of `ai` the provider supports: every test runs under each. */
export const aiVersions = [
  ['ai 7', ai7 as unknown as typeof ai7],
  ['ai 6', ai6 as unknown as typeof ai7],
] as const;

export type AI = typeof ai7;

export const apiKey = 'sk-test-not-a-real-key-for-the-simulator';

/** The seed's three services, one model id each, as the chat application routes them. */
export const models = {
  /** Featherless, falling back to OpenRouter. */
  narrative: 'mistralai/Mistral-Small-24B-Instruct-2501',
  /** OpenRouter, the default route. */
  classifier: 'meta-llama/llama-3.1-8b-instruct',
  /** The local MLX server. */
  local: 'mlx-community/Qwen2.5-7B-Instruct-4bit',
  embedding: 'mlx-community/all-MiniLM-L6-v2-4bit',
  /** OpenRouter, with reasoning before the answer. */
  thinker: 'deepseek/deepseek-r1',
} as const;

export interface Setup {
  sim: Simulator;
  router: Router;
  provider: RouterProvider;
  /** The narrative route's limiter (at the Featherless plan). */
  limiter: ConcurrencyLimiter;
  /** Chat requests the simulator received, in order (optionally of one dialect). */
  chatRequests(dialect?: string): LoggedRequest[];
}

/**
 * One simulator for the file and a router of the real adapters over it:
 * Featherless for the narrative model (a limiter at its plan, one retry, then
 * OpenRouter as the fallback), MLX for `mlx-community/` models and
 * embeddings, OpenRouter for the rest. Log and faults are cleared before each test.
 */
export function useRouter(): () => Setup {
  let setup: Setup | undefined;
  beforeAll(async () => {
    const sim = await startSimulator({ models: { [models.thinker]: { reasoningTokens: 6 } } });
    const narrative = createFeatherlessBackend({ apiKey, baseURL: sim.baseURL('featherless'), toolModels: [models.narrative] });
    const limiter = new ConcurrencyLimiter({ limit: narrative.planUnits, maxQueue: 64 });
    const router = createRouter({
      backends: {
        narrative,
        openrouter: createOpenRouterBackend({ apiKey, baseURL: sim.baseURL('openrouter') }),
        local: createMlxBackend({ baseURL: sim.baseURL('mlx') }),
      },
      rules: [
        { prefix: 'mlx-community/', backend: 'local' },
        { model: models.narrative, backend: 'narrative', fallbacks: [{ backend: 'openrouter' }] },
      ],
      default: 'openrouter',
      reliability: { narrative: { limiter, retry: { maxAttempts: 2, baseDelayMs: 1 } }, openrouter: { retry: { maxAttempts: 2, baseDelayMs: 1 } } },
      timingLog: false,
    });
    setup = {
      sim,
      router,
      provider: createRouterProvider(router),
      limiter,
      chatRequests: (dialect) => sim.requests.filter((request) => request.path === '/chat/completions' && (dialect === undefined || request.dialect === dialect)),
    };
  });
  afterAll(async () => {
    await setup?.sim.close();
  });
  beforeEach(() => {
    setup?.sim.reset();
    setup?.sim.clearFaults();
  });
  return () => {
    if (!setup) throw new Error('the simulator is not running');
    return setup;
  };
}
