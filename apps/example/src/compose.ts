import { createRouter, seedPolicy, type BackendPolicy, type LLMClient, type Router, type RouterListener } from '@router/core';
import { CircuitBreaker, ConcurrencyLimiter } from '@router/core/reliability';
import { alias } from '@router/core/routing';
import { createFeatherlessBackend } from '@router/featherless';
import { createMlxBackend } from '@router/mlx';
import { createOpenRouterBackend } from '@router/openrouter';
import type { AppConfig } from './config.ts';

const appName = '@router example';
const appUrl = 'https://github.com/router/example';

/**
 * The seed's composition: the narrative model on Featherless (kept under its
 * plan by a limiter that knows each model's unit cost), embeddings and
 * `mlx-community/` models on MLX — one router. The classifier model is an
 * alias: OpenRouter pinned to one fast provider per deployment, and the same
 * weights on the local MLX server, the fastest of them picked per call by
 * latency, falling back to the narrative model when all fail.
 */
export function composeRouter(config: AppConfig, listeners: readonly RouterListener[]): Router {
  // The narrator calls the `recall` tool: declare that its model calls tools (Featherless can't say per model).
  const narrative = createFeatherlessBackend({ ...config.featherless, appName, appUrl, toolModels: [config.models.narrative] });
  const local = createMlxBackend(config.mlx);
  const pinned: Record<string, LLMClient> = {};
  const pinnedReliability: Record<string, BackendPolicy> = {};
  for (const provider of config.classifierProviders) {
    const name = `openrouter-${provider.toLowerCase()}`;
    pinned[name] = createOpenRouterBackend({ ...config.openrouter, name, appName, appUrl, provider: { order: [provider], allow_fallbacks: false } });
    pinnedReliability[name] = { breaker: new CircuitBreaker({ failureThreshold: 5, coolDownMs: 30_000 }) };
  }
  const seed = seedPolicy({ local, narrative, narrativeModel: config.models.narrative });

  return createRouter({
    ...seed,
    backends: { ...seed.backends, ...pinned },
    listeners,
    reliability: {
      ...pinnedReliability,
      narrative: {
        retry: { maxAttempts: 3 },
        limiter: new ConcurrencyLimiter({ limit: narrative.planUnits, maxQueue: 64 }),
      },
      local: { retry: { maxAttempts: 2 } },
    },
    aliases: {
      [config.models.classifier]: alias({
        strategy: 'latency',
        deployments: [
          ...Object.keys(pinned).map((backend) => ({ backend, model: config.models.classifier })),
          ...(config.models.localClassifier ? [{ backend: 'local', model: config.models.localClassifier }] : []),
        ],
        retry: { maxAttempts: 2 },
        // The narrative model can classify too, only slower.
        fallbacks: [{ backend: 'narrative', model: config.models.narrative }],
      }),
    },
  });
}
