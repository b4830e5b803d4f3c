import { RouterError, StreamInterruptedError, TimeoutError } from '@router/core';
import type { BreakerStore } from './breaker-store.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Opens after this many failures in a row. Default 5. */
  failureThreshold?: number;
  /** Also opens when at least this share (0 to 1) of the calls in `windowMs` failed. Default: off. */
  failureRate?: number;
  /** The rate applies only once the window holds this many calls. Default 10. */
  minimumCalls?: number;
  /** The window the failure rate is measured over. Default 60 000 ms. */
  windowMs?: number;
  /** How long the breaker stays open before it lets one probe through. Default 30 000 ms. */
  coolDownMs?: number;
  /** Which errors count against the backend. Default: retryable ones (5xx, 429, network, timeouts), not aborts or bad requests. */
  isFailure?: (error: RouterError) => boolean;
  /** Called on every state change. */
  onStateChange?: (state: BreakerState, previous: BreakerState) => void;
  /** Shares opening, closing and the half-open probe with breakers in other processes. Default: none (this process only). */
  store?: BreakerStore;
  /** This breaker's key in the store. Default `default`. */
  key?: string;
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
  /** When the state last changed (epoch ms), to tell which of a local and a shared change is newer. */
  #changedAt = 0;
  #probing = false;
  /** Outcomes in the rate window: [epoch ms, failed]. Only kept when `failureRate` is set. */
  #window: [number, boolean][] = [];

  constructor(options: CircuitBreakerOptions = {}) {
    this.#options = options;
  }

  get state(): BreakerState {
    this.#sync();
    return this.#state;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when it would now). */
  get retryAfterMs(): number {
    return this.#state === 'open' ? Math.max(0, this.#openedAt + (this.#options.coolDownMs ?? 30_000) - Date.now()) : 0;
  }

  /** Whether a call would be let through now, without taking the probe (with a store: once this process has it). */
  canPass(): boolean {
    this.#sync();
    if (this.#state === 'closed') return true;
    if (this.#state === 'half-open') return !this.#probing;
    return this.retryAfterMs === 0 && (this.#options.store?.probe(this.#key, this.#openedAt) ?? true);
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
    this.#sync();
    if (this.#state === 'half-open') {
      if (!probe) return;
      this.#probing = false;
      if (ok !== undefined) this.#set(ok ? 'closed' : 'open');
      return;
    }
    if (this.#state === 'open' || ok === undefined) return;
    this.#streak = ok ? 0 : this.#streak + 1;
    const { failureRate } = this.#options;
    let tripped = this.#streak >= (this.#options.failureThreshold ?? 5);
    if (failureRate !== undefined) {
      const now = Date.now();
      const window = this.#window;
      window.push([now, !ok]);
      const since = now - (this.#options.windowMs ?? 60_000);
      while (window[0]![0] < since) window.shift();
      const failed = window.reduce((count, outcome) => count + +outcome[1], 0);
      tripped ||= window.length >= (this.#options.minimumCalls ?? 10) && failed >= failureRate * window.length;
    }
    if (tripped) this.#set('open');
  }

  /** Whether this error counts as a failure of the backend. */
  isFailure(error: RouterError): boolean {
    return (this.#options.isFailure ?? isBackendFailure)(error);
  }

  get #key(): string {
    return this.#options.key ?? 'default';
  }

  /** Takes up a newer change made in another process. */
  #sync(): void {
    const shared = this.#options.store?.read(this.#key);
    if (shared && shared.at > this.#changedAt) this.#set(shared.state, shared.at, false);
  }

  #set(state: BreakerState, at = Date.now(), share = true): void {
    const previous = this.#state;
    this.#state = state;
    this.#changedAt = at;
    if (state === 'open') this.#openedAt = at;
    if (state !== 'half-open') {
      this.#streak = 0;
      this.#window = [];
      this.#probing = false;
      if (share) this.#options.store?.write(this.#key, { state, at });
    }
    if (state !== previous) this.#options.onStateChange?.(state, previous);
  }
}
