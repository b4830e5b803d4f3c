/**
 * Typed errors. Each instance is branded with a `Symbol.for` marker for its
 * class and every class above it, and `isInstance` checks the brand, so checks
 * work across duplicate installs of this package (where `instanceof` fails).
 * Messages never contain API keys.
 */

import type { Capability } from './types.ts';

const markerOf = (code: string): symbol => Symbol.for(`@router/core.error.${code}`);

/** An `isInstance` that needs no `this`, so it can be passed around (`errors.filter(TimeoutError.isInstance)`). */
function brandCheck<T>(code: string): (error: unknown) => error is T {
  const marker = markerOf(code);
  return (error): error is T => typeof error === 'object' && error !== null && marker in error;
}

export interface RouterErrorOptions {
  cause?: unknown;
  backend?: string;
  model?: string;
  /** Whether repeating the same request may succeed. */
  isRetryable?: boolean;
  status?: number;
  retryAfterMs?: number;
}

export class RouterError extends Error {
  /** The `code` of this class's instances, and the name of its marker. */
  static readonly code: string = 'router';
  /** `TimeoutError.isInstance(e)`: whether `e` is one, even from another copy of this package. */
  static isInstance: (error: unknown) => error is RouterError = brandCheck('router');
  /** Stable machine-readable kind, e.g. `backend`, `timeout`, `aborted`. */
  readonly code: string;
  readonly isRetryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly backend: string | undefined;
  readonly model: string | undefined;

  constructor(message: string, options: RouterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RouterError';
    this.code = new.target.code;
    // Non-enumerable brands, so they stay out of logs and JSON.
    for (let type: typeof RouterError = new.target; ; type = Object.getPrototypeOf(type)) {
      Object.defineProperty(this, markerOf(type.code), { value: true });
      if (type === RouterError) break;
    }
    this.isRetryable = options.isRetryable ?? false;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.backend = options.backend;
    this.model = options.model;
  }

}

/** The backend answered with an error, or could not be reached. */
export class BackendError extends RouterError {
  static override readonly code: string = 'backend';
  static override isInstance: (error: unknown) => error is BackendError = brandCheck('backend');
  /** The error body, truncated, when the service sent one. */
  readonly responseBody: string | undefined;
  /** The base URL the request went to, when known. */
  readonly url: string | undefined;

  constructor(message: string, options: RouterErrorOptions & { responseBody?: string; url?: string } = {}) {
    super(message, options);
    this.name = 'BackendError';
    this.responseBody = options.responseBody;
    this.url = options.url;
  }
}

/** Anything thrown, as a RouterError: typed errors pass through, anything else becomes a BackendError. */
export function toRouterError(error: unknown, context: { backend?: string; model?: string }): RouterError {
  return RouterError.isInstance(error)
    ? error
    : new BackendError(error instanceof Error ? error.message : String(error), { ...context, cause: error });
}

/** True for the HTTP statuses a repeat may fix: 408, 409, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Bad input, caught before any backend was called. `field` names the culprit. */
export class InvalidRequestError extends RouterError {
  static override readonly code: string = 'invalid-request';
  static override isInstance: (error: unknown) => error is InvalidRequestError = brandCheck('invalid-request');
  readonly field: string;

  constructor(field: string, problem: string, options: RouterErrorOptions = {}) {
    super(`Invalid request: ${field} ${problem}`, options);
    this.name = 'InvalidRequestError';
    this.field = field;
  }
}

export class NoRouteError extends RouterError {
  static override readonly code: string = 'no-route';
  static override isInstance: (error: unknown) => error is NoRouteError = brandCheck('no-route');

  constructor(model: string, operation: string) {
    super(`No route for ${operation} with model "${model}": no rule matched and no default backend is configured.`, {
      model,
    });
    this.name = 'NoRouteError';
  }
}

export class UnsupportedOperationError extends RouterError {
  static override readonly code: string = 'unsupported';
  static override isInstance: (error: unknown) => error is UnsupportedOperationError = brandCheck('unsupported');
  readonly operation: string;
  /** The capability the backend declares it lacks, when that is why (see `BackendCapabilities`). */
  readonly capability: Capability | undefined;

  constructor(operation: string, options: RouterErrorOptions & { hint?: string; capability?: Capability } = {}) {
    super(
      `Backend "${options.backend ?? 'unknown'}" does not support ${operation}.${options.hint ? ` ${options.hint}` : ''}`,
      options,
    );
    this.name = 'UnsupportedOperationError';
    this.operation = operation;
    this.capability = options.capability;
  }
}

/** Which budget ran out. */
export type TimeoutPhase = 'total' | 'attempt' | 'first-chunk' | 'idle' | 'queue';

export class TimeoutError extends RouterError {
  static override readonly code: string = 'timeout';
  static override isInstance: (error: unknown) => error is TimeoutError = brandCheck('timeout');
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;

  constructor(phase: TimeoutPhase, timeoutMs: number, options: RouterErrorOptions & { hint?: string } = {}) {
    const what = {
      total: 'the call deadline',
      attempt: 'the budget of one attempt',
      'first-chunk': 'the time-to-first-chunk limit',
      idle: 'the idle limit between chunks',
      queue: 'the concurrency queue timeout',
    }[phase];
    super(`Timed out after ${timeoutMs} ms (${what}).${options.hint ? ` ${options.hint}` : ''}`, {
      isRetryable: true,
      ...options,
    });
    this.name = 'TimeoutError';
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** The caller aborted the call (its signal fired, or it stopped iterating a stream). */
export class AbortedError extends RouterError {
  static override readonly code: string = 'aborted';
  static override isInstance: (error: unknown) => error is AbortedError = brandCheck('aborted');

  constructor(options: RouterErrorOptions & { reason?: string } = {}) {
    super(`The call was aborted${options.reason ? `: ${options.reason}` : ''}.`, { ...options, isRetryable: false });
    this.name = 'AbortedError';
  }
}

/**
 * A stream failed after text had reached the caller. `partialText` is all of
 * it; the cause says why. Never retried: a repeat would duplicate text.
 */
export class StreamInterruptedError extends RouterError {
  static override readonly code: string = 'stream-interrupted';
  static override isInstance: (error: unknown) => error is StreamInterruptedError = brandCheck('stream-interrupted');
  readonly partialText: string;

  constructor(partialText: string, cause: unknown, options: RouterErrorOptions = {}) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`The stream was interrupted after ${partialText.length} characters: ${why}`, {
      status: RouterError.isInstance(cause) ? cause.status : undefined,
      ...options,
      cause,
      isRetryable: false,
    });
    this.name = 'StreamInterruptedError';
    this.partialText = partialText;
  }
}

/**
 * What a stream that stops with `error` after delivering `partialText` raises:
 * a StreamInterruptedError carrying the text, except when nothing was
 * delivered (the error itself, safe to retry), when it already is one, or when
 * the caller aborted (an abort is not a failure; the text is on the stream).
 */
export function failureAfterText(partialText: string, error: RouterError, options: RouterErrorOptions): RouterError {
  if (partialText === '' || StreamInterruptedError.isInstance(error) || AbortedError.isInstance(error)) return error;
  return new StreamInterruptedError(partialText, error, options);
}

/** A router or backend was configured wrongly. Lists every problem at once. */
export class ConfigurationError extends RouterError {
  static override readonly code: string = 'configuration';
  static override isInstance: (error: unknown) => error is ConfigurationError = brandCheck('configuration');
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}

/** A concurrency limiter's queue was full: the call was refused without waiting. Retryable later, or on a fallback. */
export class QueueFullError extends RouterError {
  static override readonly code: string = 'queue-full';
  static override isInstance: (error: unknown) => error is QueueFullError = brandCheck('queue-full');

  constructor(maxQueue: number, options: RouterErrorOptions = {}) {
    super(`Concurrency queue full (${maxQueue} waiting): raise maxQueue or add a fallback.`, { isRetryable: true, ...options });
    this.name = 'QueueFullError';
  }
}

/** The backend's circuit breaker is open: the call failed fast. `retryAfterMs` is the cool-down left. */
export class CircuitOpenError extends RouterError {
  static override readonly code: string = 'circuit-open';
  static override isInstance: (error: unknown) => error is CircuitOpenError = brandCheck('circuit-open');

  constructor(options: RouterErrorOptions = {}) {
    super(`Backend "${options.backend}" is failing: its circuit breaker is open.`, options);
    this.name = 'CircuitOpenError';
  }
}

/** One problem found in a classifier's answer; `path` locates it in the JSON, when known. */
export interface ClassifyIssue {
  message: string;
  path?: readonly PropertyKey[];
}

/** Issues as one line, each prefixed with its JSON path: what `classify` tells the model and the error says. */
export function describeIssues(issues: readonly ClassifyIssue[]): string {
  return issues.map(({ message, path }) => (path?.length ? `${path.map(String).join('.')}: ${message}` : message)).join('; ');
}

/** `classify` got no valid answer: `text` is the last raw reply, `issues` every problem found in it. */
export class ClassifyError extends RouterError {
  static override readonly code: string = 'classify';
  static override isInstance: (error: unknown) => error is ClassifyError = brandCheck('classify');
  readonly text: string;
  readonly issues: readonly ClassifyIssue[];

  constructor(text: string, issues: readonly ClassifyIssue[], options: RouterErrorOptions = {}) {
    super(`No valid answer after re-asking: ${describeIssues(issues)}`, options);
    this.name = 'ClassifyError';
    this.text = text;
    this.issues = issues;
  }
}

/** Parses `retry-after-ms` or `Retry-After` (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(headers: { get(name: string): string | null } | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
