import { RouterError, StreamInterruptedError, TimeoutError } from '@router/core';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Opens after this many failures in a row. Default 5. */
  failureThreshold?: number;
  /** Also opens when at least this share (0 to 1) of the calls in `windowMs` failed. Default: off. */
  failureRate?: number;
  /** The rate applies only once the window holds this many calls. Default 10. */
  minimumCalls?: number;
  /**
   * The window the failure rate is measured over. Default 60 000 ms. Calls are
   * counted in 10 buckets of `windowMs / 10`, so each call costs the same however
   * many the window holds, and an outcome leaves the window with its bucket:
   * between 0.9 × and 1 × `windowMs` after the call.
   */
  windowMs?: number;
  /** How long the breaker stays open before it lets one probe through. Default 30 000 ms. */
  coolDownMs?: number;
  /** Which errors count against the backend. Default: retryable ones (5xx, 429, network, timeouts), not aborts or bad requests. */
  isFailure?: (error: RouterError) => boolean;
  /** Called on every state change. */
  onStateChange?: (state: BreakerState, previous: BreakerState) => void;
}

/** A retryable error, or a stream cut by one, says the backend is unwell; our own queue timeout does not. */
export function isBackendFailure(error: RouterError): boolean {
  const cause = StreamInterruptedError.isInstance(error) ? error.cause : error;
  return RouterError.isInstance(cause) && cause.isRetryable && !(TimeoutError.isInstance(cause) && cause.phase === 'queue');
}

/**
 * A circuit breaker for one backend (or several that fail together). Closed,
 * it counts failures; open, it refuses calls until the cool-down ends; then
 * exactly one probe goes through (half-open) and its outcome closes or
 * reopens it. Transitions happen inside calls, so there are no timers.
 */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  #state: BreakerState = 'closed';
  #streak = 0;
  #openedAt = 0;
  #probing = false;
  /** Calls and failures in the rate window, by time bucket. Only kept when `failureRate` is set. */
  readonly #window: RateWindow | undefined;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#options = options;
    if (options.failureRate !== undefined) this.#window = new RateWindow(options.windowMs ?? 60_000);
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when it would now). */
  get retryAfterMs(): number {
    return this.#state === 'open' ? Math.max(0, this.#openedAt + (this.#options.coolDownMs ?? 30_000) - Date.now()) : 0;
  }

  /** Whether a call would be let through now, without taking the probe. */
  canPass(): boolean {
    return this.#state === 'closed' || (this.#state === 'open' ? this.retryAfterMs === 0 : !this.#probing);
  }

  /**
   * Lets a call through, or refuses it. After the cool-down the first caller
   * becomes the probe; the result says whether it is one.
   */
  tryEnter(): { probe: boolean } | undefined {
    if (!this.canPass()) return undefined;
    if (this.#state === 'closed') return { probe: false };
    if (this.#state === 'open') this.#set('half-open');
    this.#probing = true;
    return { probe: true };
  }

  /**
   * The outcome of a call that entered: true for success, false for a
   * failure, undefined when it says nothing about the backend (aborted,
   * refused as a bad request). While half-open only the probe's outcome counts.
   */
  exit(ok: boolean | undefined, probe: boolean): void {
    if (this.#state === 'half-open') {
      if (!probe) return;
      this.#probing = false;
      if (ok !== undefined) this.#set(ok ? 'closed' : 'open');
      return;
    }
    if (this.#state === 'open' || ok === undefined) return;
    this.#streak = ok ? 0 : this.#streak + 1;
    let tripped = this.#streak >= (this.#options.failureThreshold ?? 5);
    const window = this.#window;
    if (window) {
      window.add(Date.now(), !ok);
      tripped ||= window.calls >= (this.#options.minimumCalls ?? 10) && window.failures >= this.#options.failureRate! * window.calls;
    }
    if (tripped) this.#set('open');
  }

  /** Whether this error counts as a failure of the backend. */
  isFailure(error: RouterError): boolean {
    return (this.#options.isFailure ?? isBackendFailure)(error);
  }

  #set(state: BreakerState): void {
    const previous = this.#state;
    this.#state = state;
    if (state === 'open') this.#openedAt = Date.now();
    if (state !== 'half-open') {
      this.#streak = 0;
      this.#window?.clear();
    }
    this.#options.onStateChange?.(state, previous);
  }
}

/** Buckets in a rate window: the window slides in steps of a tenth of its length. */
const bucketCount = 10;

const slotOf = (bucket: number): number => ((bucket % bucketCount) + bucketCount) % bucketCount;

/**
 * Calls and failures over the last `windowMs`, counted in fixed time buckets
 * (a ring, with running totals), so adding an outcome is O(1) and the memory
 * is the same at 10 calls a minute or 10,000 a second.
 */
class RateWindow {
  readonly #bucketMs: number;
  readonly #calls = new Array<number>(bucketCount).fill(0);
  readonly #failures = new Array<number>(bucketCount).fill(0);
  /** The bucket (time / bucketMs) the newest slot holds. */
  #newest = Number.NEGATIVE_INFINITY;
  calls = 0;
  failures = 0;

  constructor(windowMs: number) {
    this.#bucketMs = Math.max(1, windowMs / bucketCount);
  }

  add(now: number, failed: boolean): void {
    const bucket = Math.floor(now / this.#bucketMs);
    // The slots of the buckets that begin now held buckets that left the window (at most all ten).
    // A clock that stepped back counts in the newest bucket.
    if (bucket > this.#newest) {
      const begun = Math.min(bucketCount, bucket - this.#newest);
      for (let b = bucket - begun + 1; b <= bucket; b++) this.#empty(slotOf(b));
      this.#newest = bucket;
    }
    const slot = slotOf(this.#newest);
    this.#calls[slot]!++;
    this.calls++;
    if (failed) {
      this.#failures[slot]!++;
      this.failures++;
    }
  }

  clear(): void {
    this.#calls.fill(0);
    this.#failures.fill(0);
    this.calls = 0;
    this.failures = 0;
  }

  #empty(slot: number): void {
    this.calls -= this.#calls[slot]!;
    this.failures -= this.#failures[slot]!;
    this.#calls[slot] = 0;
    this.#failures[slot] = 0;
  }
}
