import { AbortedError, ConfigurationError, RouterError, TimeoutError } from '@router/core';

/**
 * Where a rate limiter keeps its budgets: token buckets of `capacity` that
 * refill evenly over `windowMs`. The in-memory store serves one process; a
 * shared store (Redis) keeps one bucket for every process, so a limit is not
 * multiplied by the number of replicas.
 */
export interface RateStore {
  /** Takes `amount` if the bucket holds it and answers 0; otherwise takes nothing and answers the ms until it would hold it. */
  take(key: string, amount: number, capacity: number, windowMs: number): number | Promise<number>;
  /** Takes `amount` whatever the bucket holds (it may go below zero, and later takes wait for it to refill): usage known after the fact. */
  charge(key: string, amount: number, capacity: number, windowMs: number): void | Promise<void>;
}

export function createMemoryRateStore(): RateStore {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refill = (key: string, capacity: number, windowMs: number): { tokens: number; at: number } => {
    const now = performance.now();
    const bucket = buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) * capacity) / windowMs);
    bucket.at = now;
    buckets.set(key, bucket);
    return bucket;
  };
  return {
    take(key, amount, capacity, windowMs) {
      const bucket = refill(key, capacity, windowMs);
      if (bucket.tokens < amount) return Math.ceil(((amount - bucket.tokens) * windowMs) / capacity);
      bucket.tokens -= amount;
      return 0;
    },
    charge(key, amount, capacity, windowMs) {
      refill(key, capacity, windowMs).tokens -= amount;
    },
  };
}

export interface RateLimiterOptions {
  /** Requests a minute (each attempt is a request), as a bucket that refills evenly and holds at most a minute's worth. Default: no limit. */
  requestsPerMinute?: number;
  /** Tokens a minute, charged with each call's reported usage once it is known; a call waits while the bucket is empty. Default: no limit. */
  tokensPerMinute?: number;
  /** The longest a call waits for the rate to allow it; a longer wait fails at once with TimeoutError (phase `queue`). Default 60 000 ms. */
  maxWaitMs?: number;
  /** Default: a fresh in-memory store. */
  store?: RateStore;
  /** The budget's key in the store (`<key>:requests`, `<key>:tokens`). Default `default`. */
  key?: string;
}

const MINUTE = 60_000;

/**
 * Keeps calls within requests and tokens per minute. Token usage is known
 * only after a call, so the token limit holds calls back once the minute's
 * tokens are spent (calls in flight may overshoot it by what they use).
 * Share one limiter between backends that draw on one key or account.
 */
export class RateLimiter {
  readonly #options: RateLimiterOptions;
  readonly #store: RateStore;
  readonly #key: string;

  constructor(options: RateLimiterOptions) {
    const problems: string[] = [];
    for (const field of ['requestsPerMinute', 'tokensPerMinute', 'maxWaitMs'] as const) {
      const value = options[field];
      if (value !== undefined && !(value > 0)) problems.push(`rate limiter ${field} must be a positive number (got ${value}).`);
    }
    if (problems.length > 0) throw new ConfigurationError(problems);
    this.#options = options;
    this.#store = options.store ?? createMemoryRateStore();
    this.#key = options.key ?? 'default';
  }

  /**
   * Waits until the rate allows one more request, then counts it. Rejects
   * when `signal` aborts (with its reason), or at once with TimeoutError
   * (phase `queue`) when the wait would exceed `maxWaitMs`.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    const { requestsPerMinute, tokensPerMinute, maxWaitMs = MINUTE } = this.#options;
    const started = performance.now();
    for (;;) {
      // Taking no tokens passes unless the bucket is in debt (usage charged past the limit): then it waits for the refill.
      let waitMs = tokensPerMinute === undefined ? 0 : await this.#store.take(`${this.#key}:tokens`, 0, tokensPerMinute, MINUTE);
      if (waitMs === 0 && requestsPerMinute !== undefined) waitMs = await this.#store.take(`${this.#key}:requests`, 1, requestsPerMinute, MINUTE);
      if (waitMs === 0) return;
      if (performance.now() - started + waitMs > maxWaitMs) throw new TimeoutError('queue', maxWaitMs, { hint: 'the rate limit would make the call wait longer' });
      await pause(waitMs, signal);
    }
  }

  /** Charges the tokens a call used (from its reported usage). */
  charge(tokens: number): void {
    const { tokensPerMinute } = this.#options;
    if (tokensPerMinute === undefined || !(tokens > 0)) return;
    // A store that fails to record usage costs accuracy, not the call that already succeeded.
    Promise.resolve(this.#store.charge(`${this.#key}:tokens`, tokens, tokensPerMinute, MINUTE)).catch(() => undefined);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      const reason: unknown = signal!.reason;
      reject(RouterError.isInstance(reason) ? reason : new AbortedError({ cause: reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
