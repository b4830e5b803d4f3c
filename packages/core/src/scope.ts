import { AbortedError, RouterError, TimeoutError, type TimeoutPhase } from './errors.ts';
import type { BaseCallOptions } from './types.ts';

export interface ScopeContext {
  backend?: string;
  model?: string;
  /** Added to the message of a deadline timeout, e.g. to explain cold starts. */
  timeoutHint?: string;
}

/**
 * The lifetime of one call: one AbortSignal that fires on the caller's abort,
 * on the deadline, or when the call itself gives up, and the typed error that
 * says which. `dispose()` removes every listener and timer, so nothing leaks
 * into a long-lived caller signal (as `AbortSignal.any` does on Node).
 */
export class CallScope {
  readonly #controller = new AbortController();
  readonly #context: ScopeContext;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort: (() => void) | undefined;
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #phaseTimer: ReturnType<typeof setTimeout> | undefined;
  #phase: TimeoutPhase | undefined;
  #phaseMs = 0;
  /** When the armed phase expires (epoch ms); re-arming only moves this, the timer catches up when it fires. */
  #phaseDue = 0;
  /** The budget the deadline came from, for the timeout's message. */
  readonly #budgetMs: number;
  /** Absolute deadline in epoch milliseconds, if any. */
  readonly deadline: number | undefined;

  constructor(options: Pick<BaseCallOptions, 'signal' | 'timeoutMs' | 'deadline'>, context: ScopeContext = {}) {
    this.#context = context;
    const now = Date.now();
    const fromTimeout = options.timeoutMs === undefined ? undefined : now + options.timeoutMs;
    this.deadline =
      fromTimeout === undefined ? options.deadline : options.deadline === undefined ? fromTimeout : Math.min(fromTimeout, options.deadline);

    const callerSignal = options.signal;
    if (callerSignal) {
      if (callerSignal.aborted) {
        this.#controller.abort(this.#fromCallerReason(callerSignal.reason));
      } else {
        this.#callerSignal = callerSignal;
        this.#onCallerAbort = () => this.abort(this.#fromCallerReason(callerSignal.reason));
        callerSignal.addEventListener('abort', this.#onCallerAbort, { once: true });
      }
    }
    // What this scope really had: with a shared deadline, an attempt's own timeoutMs may be more than is left.
    this.#budgetMs = this.deadline === undefined ? 0 : Math.max(0, this.deadline - now);
    if (this.deadline !== undefined && !this.#controller.signal.aborted) {
      this.#deadlineTimer = setTimeout(() => this.#expire(), Math.max(0, this.deadline - now));
    }
  }

  #expire(): void {
    this.abort(new TimeoutError('total', this.#budgetMs, { ...this.#errorContext(), hint: this.#context.timeoutHint }));
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Milliseconds left before the deadline (Infinity when there is none). */
  remainingMs(): number {
    return this.deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.deadline - Date.now());
  }

  /** Aborts the call with a typed reason. The first reason wins. */
  abort(reason: RouterError): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  /** Why the call was aborted, as a typed error (undefined while it runs). */
  abortError(): RouterError | undefined {
    // A failure can surface a moment after the deadline but before its timer fires: that is the deadline's doing.
    if (!this.#controller.signal.aborted && this.deadline !== undefined && Date.now() >= this.deadline) this.#expire();
    if (!this.#controller.signal.aborted) return undefined;
    const reason: unknown = this.#controller.signal.reason;
    return RouterError.isInstance(reason) ? reason : new AbortedError({ ...this.#errorContext(), cause: reason });
  }

  /**
   * Arms a timer for one phase of a stream (first chunk, or idle between
   * chunks); arming the same phase again restarts its clock. Cheap enough per
   * chunk: re-arming only records the new due time, and the one timer, when
   * it fires early, waits again for the rest. (Node's `Timeout.refresh()`
   * would do the same, but a web runtime's `setTimeout` returns a number.)
   */
  armPhaseTimer(phase: TimeoutPhase, ms: number): void {
    const due = Date.now() + ms;
    if (this.#phaseTimer !== undefined && this.#phase === phase && this.#phaseMs === ms) {
      this.#phaseDue = due;
      return;
    }
    this.clearPhaseTimer();
    this.#phase = phase;
    this.#phaseMs = ms;
    this.#phaseDue = due;
    this.#phaseTimer = setTimeout(() => this.#phaseTimerFired(), ms);
  }

  #phaseTimerFired(): void {
    const left = this.#phaseDue - Date.now();
    if (left > 0) {
      this.#phaseTimer = setTimeout(() => this.#phaseTimerFired(), left);
      return;
    }
    const phase = this.#phase!;
    this.#phaseTimer = undefined;
    // A slow first chunk is where a cold start shows, so it carries the backend's hint too.
    const hint = phase === 'first-chunk' ? this.#context.timeoutHint : undefined;
    this.abort(new TimeoutError(phase, this.#phaseMs, { ...this.#errorContext(), hint }));
  }

  clearPhaseTimer(): void {
    if (this.#phaseTimer !== undefined) clearTimeout(this.#phaseTimer);
    this.#phaseTimer = undefined;
    this.#phase = undefined;
  }

  /** Removes the caller-signal listener and every timer. Idempotent. */
  dispose(): void {
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.clearPhaseTimer();
    if (this.#callerSignal && this.#onCallerAbort) {
      this.#callerSignal.removeEventListener('abort', this.#onCallerAbort);
    }
  }

  #errorContext(): { backend?: string; model?: string } {
    return { backend: this.#context.backend, model: this.#context.model };
  }

  /** A typed reason passes through (an outer layer's timeout stays a timeout); anything else is an abort. */
  #fromCallerReason(reason: unknown): RouterError {
    return RouterError.isInstance(reason) ? reason : new AbortedError({ ...this.#errorContext(), cause: reason });
  }
}
