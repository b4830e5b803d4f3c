import { createHash, timingSafeEqual } from 'node:crypto';
import type { BudgetStore, ConcurrencyStore, RateStore } from '@router/core/reliability';
import { Budget } from './budget.ts';
import { GatewayError } from './errors.ts';

/** A key clients may present, and what it allows. */
export interface GatewayKey {
  /** The secret, typically from the environment. Hashed when the gateway is created; the plain text is not kept. */
  key: string;
  /**
   * What logs name the key by (the key itself never appears), and what its limits are counted under in a
   * `keyStore` shared by several instances (give a key the same name in each). Unique. Default `key-<position>`.
   */
  name?: string;
  /** Model ids this key may call; an entry ending in `*` allows a prefix. Default: every model. */
  models?: readonly string[];
  /** Calls this key may have open at once (streams count until they end). Default: unlimited (the gateway's `maxInFlight` still holds). */
  maxConcurrent?: number;
  /** Requests per minute, as a token bucket refilled continuously. Default: unlimited. */
  requestsPerMinute?: number;
  /**
   * Spend limit, in the unit of `usage.cost` (priced from the config's
   * `prices` where the backend reports no cost), for the life of the process,
   * or of the shared count when the `keyStore` has `budgets`. Reserved before
   * each call, settled after. Default: unlimited.
   */
  budget?: number;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Where keys' `maxConcurrent`, `requestsPerMinute` and (with `budgets`)
 * `budget` are counted when several gateway instances share them: core's
 * store interfaces, so any shared store fits (`createRedisStore` from
 * `@router/redis` is one: a `ConcurrencyStore` whose `rates` is a `RateStore`
 * and whose `budgets` is a `BudgetStore`).
 */
export interface KeyStore extends ConcurrencyStore {
  readonly rates: RateStore;
  /** Where keys' budgets are counted. Without it, each instance counts them in its own memory. */
  readonly budgets?: BudgetStore;
}

/** A call's admission under a key's limits: at once (`undefined` or a refusal), or once a shared store answers. */
export type Admission = GatewayError | undefined | Promise<GatewayError | undefined>;

/** A key's `maxConcurrent` and `requestsPerMinute`, counted in memory or in a shared store. */
interface KeyLimits {
  /** Takes a request token and a concurrency slot, or answers why not (429 with `Retry-After`). The caller releases the slot. */
  admit(now: number): Admission;
  release(): void;
}

const MINUTE_MS = 60_000;

function concurrencyRefusal(name: string, limit: number): GatewayError {
  return new GatewayError(429, 'rate_limit_error', `Key "${name}" has ${limit} calls open, its concurrency limit.`, {
    code: 'concurrency_limit_exceeded',
    retryAfterSeconds: 1,
  });
}

function rateRefusal(name: string, perMinute: number, waitMs: number): GatewayError {
  return new GatewayError(429, 'rate_limit_error', `Key "${name}" is over its limit of ${perMinute} requests per minute.`, {
    code: 'rate_limit_exceeded',
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  });
}

/** A shared store that failed (one that fails closed while its server is down): the client gets a 503, never a wait. */
function storeUnavailable(what: string, cause: unknown): GatewayError {
  return new GatewayError(503, 'server_error', `${what} could not be checked: the shared store did not answer. Retry later.`, {
    code: 'shared_state_unavailable',
    retryAfterSeconds: 1,
    cause,
  });
}

/** This instance's own count: synchronous, so admission costs no await. */
class LocalLimits implements KeyLimits {
  readonly #name: string;
  readonly #maxConcurrent: number;
  readonly #perMinute: number;
  #open = 0;
  #tokens: number;
  #refilledAt: number;

  constructor(name: string, maxConcurrent: number, perMinute: number, now: number) {
    this.#name = name;
    this.#maxConcurrent = maxConcurrent;
    this.#perMinute = perMinute;
    this.#tokens = perMinute;
    this.#refilledAt = now;
  }

  admit(now: number): GatewayError | undefined {
    if (this.#open >= this.#maxConcurrent) return concurrencyRefusal(this.#name, this.#maxConcurrent);
    if (this.#perMinute !== Number.POSITIVE_INFINITY) {
      const perMs = this.#perMinute / MINUTE_MS;
      this.#tokens = Math.min(this.#perMinute, this.#tokens + (now - this.#refilledAt) * perMs);
      this.#refilledAt = now;
      if (this.#tokens < 1) return rateRefusal(this.#name, this.#perMinute, (1 - this.#tokens) / perMs);
      this.#tokens -= 1;
    }
    this.#open += 1;
    return undefined;
  }

  release(): void {
    this.#open -= 1;
  }
}

/**
 * Counted in a store every instance shares, so N instances admit the key's
 * limits once, not N times. The slot is taken before the request token, so a
 * call refused for concurrency spends none of the minute's requests. A store
 * that fails (one that fails closed while its server is down) gets the
 * client a 503, never a wait.
 */
class SharedLimits implements KeyLimits {
  readonly #name: string;
  readonly #store: KeyStore;
  readonly #maxConcurrent: number;
  readonly #perMinute: number;
  readonly #slotKey: string;
  readonly #rateKey: string;

  constructor(name: string, maxConcurrent: number, perMinute: number, store: KeyStore) {
    this.#name = name;
    this.#store = store;
    this.#maxConcurrent = maxConcurrent;
    this.#perMinute = perMinute;
    this.#slotKey = `gateway-key:${name}`;
    this.#rateKey = `gateway-key:${name}:requests`;
  }

  async admit(): Promise<GatewayError | undefined> {
    const limitsSlots = this.#maxConcurrent !== Number.POSITIVE_INFINITY;
    let holding = false;
    try {
      if (limitsSlots) {
        if (!(await this.#store.take(this.#slotKey, 1, this.#maxConcurrent))) return concurrencyRefusal(this.#name, this.#maxConcurrent);
        holding = true;
      }
      if (this.#perMinute !== Number.POSITIVE_INFINITY) {
        const waitMs = await this.#store.rates.take(this.#rateKey, 1, this.#perMinute, MINUTE_MS);
        if (waitMs > 0) {
          if (holding) this.release();
          return rateRefusal(this.#name, this.#perMinute, waitMs);
        }
      }
      return undefined;
    } catch (error) {
      if (holding) this.release();
      return storeUnavailable(`The limits of key "${this.#name}"`, error);
    }
  }

  release(): void {
    if (this.#maxConcurrent === Number.POSITIVE_INFINITY) return;
    // A give that fails is the store's to correct (a Redis store's heartbeat restores its count); the call is over either way.
    Promise.resolve(this.#store.give(this.#slotKey, 1)).catch(() => undefined);
  }
}

/**
 * A key's budget counted in a store every instance shares (the in-memory
 * `Budget`'s reserve and settle, awaited), under the key's name, which is the
 * same in every instance.
 */
export class SharedBudget {
  readonly #name: string;
  readonly #limit: number;
  readonly #store: BudgetStore;
  readonly #key: string;

  constructor(name: string, limit: number, store: BudgetStore) {
    this.#name = name;
    this.#limit = limit;
    this.#store = store;
    this.#key = `gateway-key:${name}`;
  }

  /** The reservation's id, or undefined when `amount` does not fit; a store that fails is a 503 `shared_state_unavailable`. */
  async reserve(amount: number): Promise<string | undefined> {
    try {
      return await this.#store.reserve(this.#key, amount, this.#limit);
    } catch (error) {
      throw storeUnavailable(`The budget of key "${this.#name}"`, error);
    }
  }

  settle(reservation: string, cost: number): void {
    // The call is over and answered either way; a settle that fails leaves the reservation to expire in the store (its cost is not booked).
    this.#store.settle(this.#key, reservation, cost).catch(() => undefined);
  }
}

/** One configured key: its hash, its limits and their live state. */
export class KeyEntry {
  readonly name: string;
  readonly hash: Buffer;
  /** The key's budget in this instance's memory: set when the key has one and the store has no `budgets`. */
  readonly budget: Budget | undefined;
  /** The key's budget in the store's `budgets`, shared by every instance. */
  readonly sharedBudget: SharedBudget | undefined;
  /** Undefined when the key sets neither `maxConcurrent` nor `requestsPerMinute`: nothing to count. */
  readonly limits: KeyLimits | undefined;
  readonly #exact: ReadonlySet<string> | undefined;
  readonly #prefixes: readonly string[];

  constructor(key: GatewayKey, index: number, now: number, store?: KeyStore) {
    this.name = keyName(key, index);
    this.hash = digest(key.key);
    const budgets = store?.budgets;
    this.budget = key.budget === undefined || budgets !== undefined ? undefined : new Budget(key.budget);
    this.sharedBudget = key.budget === undefined || budgets === undefined ? undefined : new SharedBudget(this.name, key.budget, budgets);
    this.#exact = key.models ? new Set(key.models.filter((model) => !model.endsWith('*'))) : undefined;
    this.#prefixes = (key.models ?? []).filter((model) => model.endsWith('*')).map((model) => model.slice(0, -1));
    const maxConcurrent = key.maxConcurrent ?? Number.POSITIVE_INFINITY;
    const perMinute = key.requestsPerMinute ?? Number.POSITIVE_INFINITY;
    if (key.maxConcurrent === undefined && key.requestsPerMinute === undefined) this.limits = undefined;
    else if (store === undefined) this.limits = new LocalLimits(this.name, maxConcurrent, perMinute, now);
    else this.limits = new SharedLimits(this.name, maxConcurrent, perMinute, store);
  }

  allows(model: string): boolean {
    if (this.#exact === undefined) return true;
    return this.#exact.has(model) || this.#prefixes.some((prefix) => model.startsWith(prefix));
  }
}

const keyName = (key: GatewayKey, index: number): string => key.name ?? `key-${index}`;

/** Checks configured keys and finds the one a request presents, comparing hashes in constant time. */
export class KeyTable {
  readonly #entries: readonly KeyEntry[];

  constructor(entries: readonly KeyEntry[]) {
    this.#entries = entries;
  }

  get size(): number {
    return this.#entries.length;
  }

  /**
   * The key whose hash equals the presented one's. Every entry is compared,
   * match or not, so the time taken says nothing about which key nearly matched.
   */
  find(presented: string): KeyEntry | undefined {
    const hash = digest(presented);
    let found: KeyEntry | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.hash, hash) && found === undefined) found = entry;
    }
    return found;
  }
}

/** Problems with the configured keys, each naming its position, never the key. */
export function keyProblems(keys: readonly GatewayKey[] | undefined): string[] {
  if (keys === undefined) return [];
  if (!Array.isArray(keys)) return ['keys must be an array of { key, name?, models?, maxConcurrent?, requestsPerMinute?, budget? }.'];
  const problems: string[] = [];
  const seen = new Set<string>();
  const names = new Set<string>();
  keys.forEach((entry: GatewayKey, index) => {
    const at = `keys[${index}]`;
    if (typeof entry?.key !== 'string' || entry.key.length < 8) {
      problems.push(`${at}.key must be a string of at least 8 characters (is the environment variable set?).`);
      return;
    }
    const hash = digest(entry.key).toString('hex');
    if (seen.has(hash)) problems.push(`${at}.key repeats an earlier key.`);
    seen.add(hash);
    if (entry.name !== undefined && (typeof entry.name !== 'string' || entry.name === '')) problems.push(`${at}.name must be a non-empty string.`);
    // Limits are kept by name (in a shared store, every instance's), so two keys must not share one.
    const name = keyName(entry, index);
    if (names.has(name)) problems.push(`${at}.name "${name}" repeats an earlier key's name.`);
    names.add(name);
    if (entry.models !== undefined && !(Array.isArray(entry.models) && entry.models.every((m) => typeof m === 'string' && m !== ''))) {
      problems.push(`${at}.models must be an array of model ids.`);
    }
    for (const field of ['maxConcurrent', 'requestsPerMinute'] as const) {
      const value = entry[field];
      if (value !== undefined && !(Number.isInteger(value) && value > 0)) problems.push(`${at}.${field} must be a positive integer.`);
    }
    if (entry.budget !== undefined && !(typeof entry.budget === 'number' && Number.isFinite(entry.budget) && entry.budget >= 0)) {
      problems.push(`${at}.budget must be a number >= 0.`);
    }
  });
  return problems;
}

/** The key in `Authorization: Bearer <key>` (or `api-key`, as Azure-style clients send it). */
export function presentedKey(authorization: string | null, apiKeyHeader: string | null): string | undefined {
  if (authorization !== null) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    return match?.[1]?.trim() || undefined;
  }
  return apiKeyHeader?.trim() || undefined;
}
