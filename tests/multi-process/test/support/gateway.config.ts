/**
 * The config `router-gateway --config` loads in the multi-process tests: a
 * router whose Featherless route has a limiter at exactly the plan and a
 * breaker, both on the Redis store, and the same store counting the gateway
 * key's limits. Each instance reads its settings from `GATEWAY_TEST_CONFIG`.
 */
import { createRouter } from '@router/core';
import { CircuitBreaker, ConcurrencyLimiter } from '@router/core/reliability';
import { createFeatherlessBackend } from '@router/featherless';
import { defineGateway, type GatewayConfig } from '@router/gateway';
import { createRedisStore } from '@router/redis';
import type { GatewayTestConfig } from './gateways.ts';

const config = JSON.parse(process.env.GATEWAY_TEST_CONFIG!) as GatewayTestConfig;
const store = createRedisStore({
  url: config.redisUrl,
  prefix: config.prefix,
  leaseTtlMs: config.leaseTtlMs,
  commandTimeoutMs: config.commandTimeoutMs,
  onRedisDown: 'closed',
});
const { budgets: _inMemory, ...withoutBudgets } = store;
const featherless = createFeatherlessBackend({ baseURL: config.baseURL, apiKey: 'sk-multi-process-test', planUnits: config.planUnits });

const gateway: GatewayConfig = defineGateway({
  router: createRouter({
    backends: { featherless },
    default: 'featherless',
    timingLog: false,
    reliability: {
      featherless: {
        limiter: new ConcurrencyLimiter({ limit: featherless.planUnits, store, key: 'featherless-plan', maxQueue: 256, queueTimeoutMs: 60_000 }),
        breaker: new CircuitBreaker({ failureThreshold: 5, coolDownMs: 60_000, store, key: 'featherless' }),
      },
    },
  }),
  models: [config.model],
  keys: [
    {
      key: config.key,
      name: 'shared',
      ...(config.requestsPerMinute !== undefined && { requestsPerMinute: config.requestsPerMinute }),
      ...(config.budget !== undefined && { budget: config.budget }),
    },
  ],
  // One unit per output token, and a call without max_tokens reserves what the simulator answers: each call costs what it reserved.
  prices: { '*': { inputPerMillion: 0, outputPerMillion: 1_000_000 } },
  reserveOutputTokens: 6,
  keyStore: config.budgetsInMemory ? withoutBudgets : store,
  callTimeoutMs: 120_000,
  close: () => store.close(),
});

export default gateway;
