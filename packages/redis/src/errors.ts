import { RouterError, type RouterErrorOptions } from '@router/core';

const marker = Symbol.for('@router/core.error.shared-state-unavailable');

/**
 * Redis did not answer in time (down, restarting, unreachable or slow) and the
 * store fails closed. Retryable: the next attempt, or a fallback, may succeed.
 */
export class SharedStateUnavailableError extends RouterError {
  static override readonly code: string = 'shared-state-unavailable';
  static override isInstance: (error: unknown) => error is SharedStateUnavailableError = (error): error is SharedStateUnavailableError =>
    typeof error === 'object' && error !== null && marker in error;

  constructor(what: string, options: RouterErrorOptions = {}) {
    super(`Redis is unavailable, so ${what} was refused (the store fails closed): ${describe(options.cause)}`, { isRetryable: true, ...options });
    this.name = 'SharedStateUnavailableError';
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
