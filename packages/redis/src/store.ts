import { ConfigurationError } from '@router/core';
import type { BreakerStore, BudgetStore, ConcurrencyStore, RateStore } from '@router/core/reliability';
import { RedisBreakers } from './breaker-store.ts';
import { RedisBudgets } from './budget-store.ts';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { RedisConcurrency } from './concurrency-store.ts';
import { RedisLink, type RedisStoreEvent } from './link.ts';
import { RedisRates } from './rate-store.ts';

export interface RedisStoreOptions {
  /** Where Redis is: `redis://[[user]:password@]host[:port][/db]` or `rediss://` for TLS. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Put before every key and channel, so several deployments can share one Redis. Default `router`. */
  prefix?: string;
  /** How long a process's slots outlive it when it dies without giving them back. Renewed three times per TTL while held. Default 5 000 ms. */
  leaseTtlMs?: number;
  /** The longest any Redis call may take before the failure policy applies. Default 500 ms. */
  commandTimeoutMs?: number;
  /** The longest the first call waits for the connection (later calls fail at once while it is down). Default 2 000 ms. */
  connectTimeoutMs?: number;
  /** After a failed call, calls skip Redis (and go to the failure policy at once) for this long. Default 1 000 ms. */
  retryAfterMs?: number;
  /** When Redis is down or slow: `open` serves from a local budget, `closed` refuses with SharedStateUnavailableError. Default `open`. */
  onRedisDown?: 'open' | 'closed';
  /** Fail open: the share of each limit this process may use on its own (at least one unit). Default 0.25. */
  localShare?: number;
  /**
   * How old the figure of units other processes hold may get before `used` (read by a `least-busy` alias on each
   * pick) asks Redis again, in the background: the pick never waits on Redis. Default 100 ms.
   */
  usageMaxAgeMs?: number;
  /** A shared breaker's half-open probe belongs to one process for this long; a probe still running then may be joined by another. Default 10 000 ms. */
  probeLeaseMs?: number;
  /**
   * How long a budget reservation holds its amount when its call never settles (the process died mid-call).
   * Longer than any call may run, or a call still running loses its hold (its cost is booked when it ends all
   * the same). Default 900 000 ms (15 minutes: core's longest default deadline, a stream's, is 10).
   */
  budgetReservationTtlMs?: number;
  /** Told when Redis goes down and comes back. */
  onEvent?: (event: RedisStoreEvent) => void;
}

/** A store on Redis for `ConcurrencyLimiter`s, `CircuitBreaker`s, `RateLimiter`s and spend budgets in several processes. */
export interface RedisStore extends ConcurrencyStore, BreakerStore {
  /** Units of a limiter key in use in every process: this one's, exact, plus the others' as of at most about `usageMaxAgeMs` ago. */
  used(key: string): number | undefined;
  /** The store for `RateLimiter`s (a separate object: its `take` answers a wait, not a grant). */
  readonly rates: RateStore;
  /**
   * The store for spend budgets (`keyStore.budgets` of `@router/gateway`): reserve before a call, settle after.
   * It always fails closed: a Redis that does not answer rejects with SharedStateUnavailableError, whatever `onRedisDown` says.
   */
  readonly budgets: BudgetStore;
  /** This process's id in Redis (host, pid and a random part). */
  readonly processId: string;
  /** Stops the heartbeat and closes the connections. Slots still held are freed by their lease TTL. */
  close(): Promise<void>;
}

type Settings = Required<Omit<RedisStoreOptions, 'onEvent'>>;

const DEFAULTS: Settings = {
  url: 'redis://127.0.0.1:6379',
  prefix: 'router',
  leaseTtlMs: 5_000,
  commandTimeoutMs: 500,
  connectTimeoutMs: 2_000,
  retryAfterMs: 1_000,
  onRedisDown: 'open',
  localShare: 0.25,
  usageMaxAgeMs: 100,
  probeLeaseMs: 10_000,
  budgetReservationTtlMs: 900_000,
};

/**
 * Connects lazily: nothing is sent until the first call, and creating a store
 * never throws for an unreachable Redis. Bad settings throw ConfigurationError
 * naming every wrong field.
 */
export function createRedisStore(options: RedisStoreOptions = {}): RedisStore {
  const settings: Settings = { ...DEFAULTS, ...withoutUndefined(options) };
  validate(settings);
  const processId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const link = new RedisLink({
    url: settings.url,
    commandTimeoutMs: settings.commandTimeoutMs,
    connectTimeoutMs: settings.connectTimeoutMs,
    retryAfterMs: settings.retryAfterMs,
    onEvent: options.onEvent,
  });
  const concurrency = new RedisConcurrency(link, { ...settings, processId });
  const breakers = new RedisBreakers(link, { ...settings, processId });
  return {
    processId,
    rates: new RedisRates(link, settings),
    budgets: new RedisBudgets(link, settings),
    take: (key, cost, limit) => concurrency.take(key, cost, limit),
    give: (key, cost) => concurrency.give(key, cost),
    watch: (key, wake) => concurrency.watch(key, wake),
    used: (key) => concurrency.used(key),
    read: (key) => breakers.read(key),
    write: (key, change) => breakers.write(key, change),
    probe: (key, openedAt) => breakers.probe(key, openedAt),
    close: async () => {
      concurrency.stop();
      await link.close();
    },
  };
}

function validate(settings: Settings): void {
  const problems: string[] = [];
  const positive = (
    field: 'leaseTtlMs' | 'commandTimeoutMs' | 'connectTimeoutMs' | 'retryAfterMs' | 'probeLeaseMs' | 'usageMaxAgeMs' | 'budgetReservationTtlMs',
  ): void => {
    const value = settings[field];
    if (!(Number.isFinite(value) && value > 0)) problems.push(`redis store ${field} must be a positive number of ms (got ${value}).`);
  };
  positive('leaseTtlMs');
  positive('commandTimeoutMs');
  positive('connectTimeoutMs');
  positive('retryAfterMs');
  positive('probeLeaseMs');
  positive('usageMaxAgeMs');
  positive('budgetReservationTtlMs');
  if (settings.commandTimeoutMs >= settings.leaseTtlMs / 3) {
    problems.push(`redis store commandTimeoutMs (${settings.commandTimeoutMs}) must be under a third of leaseTtlMs (${settings.leaseTtlMs}), so a slow renewal cannot outlive a lease.`);
  }
  if (settings.onRedisDown !== 'open' && settings.onRedisDown !== 'closed') problems.push(`redis store onRedisDown must be 'open' or 'closed' (got ${String(settings.onRedisDown)}).`);
  if (!(settings.localShare > 0 && settings.localShare <= 1)) problems.push(`redis store localShare must be in (0, 1] (got ${settings.localShare}).`);
  if (typeof settings.prefix !== 'string' || settings.prefix === '') problems.push('redis store prefix must be a non-empty string.');
  if (!/^rediss?:\/\//.test(settings.url)) problems.push('redis store url must start with redis:// or rediss://.');
  if (problems.length > 0) throw new ConfigurationError(problems);
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
