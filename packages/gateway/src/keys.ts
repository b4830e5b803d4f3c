import { createHash, timingSafeEqual } from 'node:crypto';
import { Budget } from './budget.ts';
import { GatewayError } from './errors.ts';

/** A key clients may present, and what it allows. */
export interface GatewayKey {
  /** The secret, typically from the environment. Hashed when the gateway is created; the plain text is not kept. */
  key: string;
  /** What logs name the key by (the key itself never appears). Default `key-<position>`. */
  name?: string;
  /** Model ids this key may call; an entry ending in `*` allows a prefix. Default: every model. */
  models?: readonly string[];
  /** Calls this key may have open at once (streams count until they end). Default: unlimited (the gateway's `maxInFlight` still holds). */
  maxConcurrent?: number;
  /** Requests per minute, as a token bucket refilled continuously. Default: unlimited. */
  requestsPerMinute?: number;
  /**
   * Spend limit for the life of the process, in the unit of `usage.cost`
   * (priced from the config's `prices` where the backend reports no cost).
   * Reserved before each call, settled after. Default: unlimited.
   */
  budget?: number;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** One configured key: its hash, its limits and their live state. */
export class KeyEntry {
  readonly name: string;
  readonly hash: Buffer;
  readonly budget: Budget | undefined;
  readonly #exact: ReadonlySet<string> | undefined;
  readonly #prefixes: readonly string[];
  readonly #maxConcurrent: number;
  readonly #perMinute: number;
  #open = 0;
  #tokens: number;
  #refilledAt: number;

  constructor(key: GatewayKey, index: number, now: number) {
    this.name = key.name ?? `key-${index}`;
    this.hash = digest(key.key);
    this.budget = key.budget === undefined ? undefined : new Budget(key.budget);
    this.#exact = key.models ? new Set(key.models.filter((model) => !model.endsWith('*'))) : undefined;
    this.#prefixes = (key.models ?? []).filter((model) => model.endsWith('*')).map((model) => model.slice(0, -1));
    this.#maxConcurrent = key.maxConcurrent ?? Number.POSITIVE_INFINITY;
    this.#perMinute = key.requestsPerMinute ?? Number.POSITIVE_INFINITY;
    this.#tokens = this.#perMinute;
    this.#refilledAt = now;
  }

  allows(model: string): boolean {
    if (this.#exact === undefined) return true;
    return this.#exact.has(model) || this.#prefixes.some((prefix) => model.startsWith(prefix));
  }

  /** Takes a request token and a concurrency slot, or answers why not (429 with `Retry-After`). The caller releases the slot. */
  admit(now: number): GatewayError | undefined {
    if (this.#open >= this.#maxConcurrent) {
      return new GatewayError(429, 'rate_limit_error', `Key "${this.name}" has ${this.#maxConcurrent} calls open, its concurrency limit.`, {
        code: 'concurrency_limit_exceeded',
        retryAfterSeconds: 1,
      });
    }
    if (this.#perMinute !== Number.POSITIVE_INFINITY) {
      const perMs = this.#perMinute / 60_000;
      this.#tokens = Math.min(this.#perMinute, this.#tokens + (now - this.#refilledAt) * perMs);
      this.#refilledAt = now;
      if (this.#tokens < 1) {
        return new GatewayError(429, 'rate_limit_error', `Key "${this.name}" is over its limit of ${this.#perMinute} requests per minute.`, {
          code: 'rate_limit_exceeded',
          retryAfterSeconds: Math.max(1, Math.ceil((1 - this.#tokens) / perMs / 1000)),
        });
      }
      this.#tokens -= 1;
    }
    this.#open += 1;
    return undefined;
  }

  release(): void {
    this.#open -= 1;
  }
}

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
  keys.forEach((entry: GatewayKey, index) => {
    const at = `keys[${index}]`;
    if (typeof entry?.key !== 'string' || entry.key.length < 8) {
      problems.push(`${at}.key must be a string of at least 8 characters (is the environment variable set?).`);
      return;
    }
    const hash = digest(entry.key).toString('hex');
    if (seen.has(hash)) problems.push(`${at}.key repeats an earlier key.`);
    seen.add(hash);
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
