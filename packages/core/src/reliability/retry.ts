import type { RouterError } from '../errors.ts';
import type { CallScope } from '../scope.ts';

export interface RetryPolicy {
  /** Attempts on one backend, the first included. Default 3. */
  maxAttempts?: number;
  /** Backoff before the first retry; it doubles with each retry. Default 250 ms. */
  baseDelayMs?: number;
  /** Upper bound of the backoff. Default 8 000 ms. */
  maxDelayMs?: number;
  /**
   * A `Retry-After` up to this long is waited out exactly; a longer one means
   * "not this backend for now", so the call fails over (or fails) at once. Default 30 000 ms.
   */
  maxRetryAfterMs?: number;
  /** Which errors to retry. Default: those marked `isRetryable` (408, 409, 429, 5xx, network, timeouts). */
  retryOn?: (error: RouterError) => boolean;
}

/**
 * How long to wait before retry number `attempt` (1-based: 1 after the first
 * failure), or undefined when the policy says not to retry or the wait would
 * not fit in the time left. Backoff uses full jitter, so clients that failed
 * together do not retry in step.
 */
export function retryDelay(policy: RetryPolicy | undefined, attempt: number, error: RouterError, remainingMs: number): number | undefined {
  if (!policy || attempt >= (policy.maxAttempts ?? 3) || !(policy.retryOn ? policy.retryOn(error) : error.isRetryable)) return undefined;
  const after = error.retryAfterMs;
  const delay =
    after === undefined
      ? Math.random() * Math.min(policy.maxDelayMs ?? 8000, (policy.baseDelayMs ?? 250) * 2 ** (attempt - 1))
      : after <= (policy.maxRetryAfterMs ?? 30_000)
        ? after
        : Number.POSITIVE_INFINITY;
  return delay < remainingMs ? delay : undefined;
}

/** Waits `ms`, or rejects with the scope's typed reason as soon as it aborts. Leaves no timer or listener behind. */
export function sleep(ms: number, scope: CallScope): Promise<void> {
  const { signal } = scope;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(scope.abortError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
