import { createRouter, seedPolicy, type Router, type RouterListener } from '@router/core';
import { CircuitBreaker, ConcurrencyLimiter } from '@router/core/reliability';
import { createFeatherlessBackend } from '@router/featherless';
import { createMlxBackend } from '@router/mlx';
import { createOpenRouterBackend } from '@router/openrouter';
import type { AppConfig } from './config.ts';

const appName = '@router example';
const appUrl = 'https://github.com/router/example';

/**
 * The seed's composition: the narrative model on Featherless (kept under its
 * plan by a limiter that knows each model's unit cost), the classifier on
 * OpenRouter pinned to fast providers and falling back to the narrative
 * backend, embeddings and `mlx-community/` models on MLX — one router.
 */
export function composeRouter(config: AppConfig, listeners: readonly RouterListener[]): Router {
  const narrative = createFeatherlessBackend({ ...config.featherless, appName, appUrl });
  const classifier = createOpenRouterBackend({
    ...config.openrouter,
    name: 'openrouter',
    appName,
    appUrl,
    provider: { order: config.classifierProviderOrder, allow_fallbacks: false },
  });
  const local = createMlxBackend(config.mlx);

  return createRouter({
    ...seedPolicy({ local, narrative, classifier, narrativeModel: config.models.narrative }),
    listeners,
    reliability: {
      narrative: {
        retry: { maxAttempts: 3 },
        limiter: new ConcurrencyLimiter({ limit: narrative.planUnits, maxQueue: 64 }),
      },
      classifier: {
        retry: { maxAttempts: 2 },
        breaker: new CircuitBreaker({ failureThreshold: 5, coolDownMs: 30_000 }),
        // The pinned provider is the fast path; the narrative model can classify too, only slower.
        fallbacks: [{ backend: 'narrative', model: config.models.narrative }],
      },
      local: { retry: { maxAttempts: 2 } },
    },
  });
}
