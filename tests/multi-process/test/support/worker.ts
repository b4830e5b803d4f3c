/**
 * One app process of the multi-process tests: a router whose Featherless
 * route has a limiter at exactly the plan (and optionally a breaker) on the
 * shared Redis store. The parent sends `{ type: 'run', ... }` over IPC; the
 * worker answers `{ type: 'done', ... }` with what its calls got.
 */
import { createRouter, RouterError } from '@router/core';
import { CircuitBreaker, ConcurrencyLimiter, RateLimiter } from '@router/core/reliability';
import { alias } from '@router/core/routing';
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
// With an alias: a second deployment of the model, on the same server, with a limiter of its own on the shared store.
const spare = config.alias && createFeatherlessBackend({ baseURL: config.baseURL, apiKey: 'sk-multi-process-test', planUnits: config.planUnits });
const router = createRouter({
  backends: { featherless, ...(spare && { 'featherless-b': spare }) },
  default: 'featherless',
  reliability: {
    featherless: { limiter, ...(breaker && { breaker }), ...(rateLimiter && { rateLimiter }) },
    ...(spare && { 'featherless-b': { limiter: new ConcurrencyLimiter({ limit: spare.planUnits, store, key: 'featherless-b' }) } }),
  },
  ...(config.alias && {
    aliases: {
      [config.alias.name]: alias({
        strategy: 'least-busy',
        deployments: ['featherless', 'featherless-b'].map((backend) => ({ backend, model: config.alias!.model })),
      }),
    },
  }),
});

const send = (message: WorkerMessage): void => {
  process.send!(message);
};

/** A call's outcome, and the backend that served it. */
async function call(request: RunRequest, index: number): Promise<[string, string?]> {
  const messages = [{ role: 'user' as const, content: `process ${process.pid} call ${index}` }];
  const options = { model: request.model, timeoutMs: 120_000 };
  try {
    if (request.kinds === 'mixed' && index % 2 === 1) {
      const stream = router.stream(messages, options);
      for await (const chunk of stream) void chunk;
      return ['ok', (await stream.completion).backend];
    }
    return ['ok', (await router.generate(messages, options)).backend];
  } catch (error) {
    if (!RouterError.isInstance(error)) return [`crash:${String(error)}`];
    return [error.status === undefined ? error.code : `${error.code}:${error.status}`];
  }
}

async function run(request: RunRequest): Promise<void> {
  const outcomes: Record<string, number> = {};
  const servedBy: Record<string, number> = {};
  let firstServedAt: number | undefined;
  const one = async (index: number): Promise<void> => {
    const [outcome, backend] = await call(request, index);
    if (outcome === 'ok') firstServedAt ??= Date.now();
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (backend) servedBy[backend] = (servedBy[backend] ?? 0) + 1;
  };
  if (request.oneAtATime) for (let index = 0; index < request.calls; index++) await one(index);
  else await Promise.all(Array.from({ length: request.calls }, (_, index) => one(index)));
  send({ type: 'done', outcomes, firstServedAt, servedBy });
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'run') void run(message);
  else if (message.type === 'explain') {
    const deployments = router.explain(message.model).alias?.deployments ?? [];
    send({ type: 'explained', deployments: deployments.map(({ backend, inFlight, inUse }) => ({ backend, inFlight, inUse })) });
  } else send({ type: 'state', state: breaker?.state ?? 'none', retryAfterMs: breaker?.retryAfterMs ?? 0 });
});
process.on('disconnect', () => {
  void store.close().finally(() => process.exit(0));
});
send({ type: 'ready', processId: store.processId });
