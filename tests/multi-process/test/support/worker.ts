/**
 * One app process of the multi-process tests: a router whose Featherless
 * route has a limiter at exactly the plan (and optionally a breaker) on the
 * shared Redis store. The parent sends `{ type: 'run', ... }` over IPC; the
 * worker answers `{ type: 'done', ... }` with what its calls got.
 */
import { createRouter, RouterError } from '@router/core';
import { CircuitBreaker, ConcurrencyLimiter, RateLimiter } from '@router/core/reliability';
import { createFeatherlessBackend } from '@router/featherless';
import { createRedisStore } from '@router/redis';
import type { ParentMessage, RunRequest, WorkerConfig, WorkerMessage } from './protocol.ts';

const config = JSON.parse(process.env.WORKER_CONFIG!) as WorkerConfig;
const store = createRedisStore({
  url: config.redisUrl,
  prefix: config.prefix,
  leaseTtlMs: config.leaseTtlMs,
  commandTimeoutMs: config.commandTimeoutMs,
  onRedisDown: config.onRedisDown,
  localShare: config.localShare,
});
const featherless = createFeatherlessBackend({ baseURL: config.baseURL, apiKey: 'sk-multi-process-test', planUnits: config.planUnits });
const limiter = new ConcurrencyLimiter({ limit: featherless.planUnits, store, key: 'featherless-plan', maxQueue: 256, queueTimeoutMs: 60_000 });
const breaker = config.breaker ? new CircuitBreaker({ ...config.breaker, store, key: 'featherless' }) : undefined;
const rateLimiter = config.rate ? new RateLimiter({ ...config.rate, store: store.rates, key: 'featherless-key' }) : undefined;
const router = createRouter({
  backends: { featherless },
  default: 'featherless',
  reliability: { featherless: { limiter, ...(breaker && { breaker }), ...(rateLimiter && { rateLimiter }) } },
});

const send = (message: WorkerMessage): void => {
  process.send!(message);
};

async function call(request: RunRequest, index: number): Promise<string> {
  const messages = [{ role: 'user' as const, content: `process ${process.pid} call ${index}` }];
  const options = { model: request.model, timeoutMs: 120_000 };
  try {
    if (request.kinds === 'mixed' && index % 2 === 1) {
      for await (const chunk of router.stream(messages, options)) void chunk;
    } else {
      await router.generate(messages, options);
    }
    return 'ok';
  } catch (error) {
    if (!RouterError.isInstance(error)) return `crash:${String(error)}`;
    return error.status === undefined ? error.code : `${error.code}:${error.status}`;
  }
}

async function run(request: RunRequest): Promise<void> {
  const outcomes: Record<string, number> = {};
  let firstServedAt: number | undefined;
  await Promise.all(
    Array.from({ length: request.calls }, async (_, index) => {
      const outcome = await call(request, index);
      if (outcome === 'ok') firstServedAt ??= Date.now();
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }),
  );
  send({ type: 'done', outcomes, firstServedAt });
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'run') void run(message);
  else send({ type: 'state', state: breaker?.state ?? 'none', retryAfterMs: breaker?.retryAfterMs ?? 0 });
});
process.on('disconnect', () => {
  void store.close().finally(() => process.exit(0));
});
send({ type: 'ready', processId: store.processId });
