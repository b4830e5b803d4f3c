/**
 * Typed errors. Every class carries a `Symbol.for` marker and a static
 * `isInstance`, so checks work across duplicate installs of this package
 * (where `instanceof` fails). Messages never contain API keys.
 */

const baseMarker = Symbol.for('@router/core.error');

function hasMarker(error: unknown, marker: symbol): boolean {
  return typeof error === 'object' && error !== null && marker in error;
}

/** Brands an instance with a marker, non-enumerable so it stays out of logs and JSON. */
function mark(error: Error, marker: symbol): void {
  Object.defineProperty(error, marker, { value: true });
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
  /** Stable machine-readable kind, e.g. `api`, `timeout`, `aborted`. */
  readonly code: string = 'router';
  readonly isRetryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly backend: string | undefined;
  readonly model: string | undefined;

  constructor(message: string, options: RouterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RouterError';
    mark(this, baseMarker);
    this.isRetryable = options.isRetryable ?? false;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.backend = options.backend;
    this.model = options.model;
  }

  static isInstance(error: unknown): error is RouterError {
    return hasMarker(error, baseMarker);
  }
}

const apiMarker = Symbol.for('@router/core.error.api');

/** The backend answered with an error, or could not be reached. */
export class BackendError extends RouterError {
  override readonly code: string = 'backend';
  /** The error body, truncated, when the service sent one. */
  readonly responseBody: string | undefined;
  /** The base URL the request went to, when known. */
  readonly url: string | undefined;

  constructor(message: string, options: RouterErrorOptions & { responseBody?: string; url?: string } = {}) {
    super(message, options);
    this.name = 'BackendError';
    mark(this, apiMarker);
    this.responseBody = options.responseBody;
    this.url = options.url;
  }

  static override isInstance(error: unknown): error is BackendError {
    return hasMarker(error, apiMarker);
  }
}

/** True for the HTTP statuses a repeat may fix: 408, 409, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

const invalidMarker = Symbol.for('@router/core.error.invalid-request');

/** Bad input, caught before any backend was called. `field` names the culprit. */
export class InvalidRequestError extends RouterError {
  override readonly code: string = 'invalid-request';
  readonly field: string;

  constructor(field: string, problem: string, options: RouterErrorOptions = {}) {
    super(`Invalid request: ${field} ${problem}`, options);
    this.name = 'InvalidRequestError';
    mark(this, invalidMarker);
    this.field = field;
  }

  static override isInstance(error: unknown): error is InvalidRequestError {
    return hasMarker(error, invalidMarker);
  }
}

const noRouteMarker = Symbol.for('@router/core.error.no-route');

export class NoRouteError extends RouterError {
  override readonly code: string = 'no-route';

  constructor(model: string, operation: string) {
    super(`No route for ${operation} with model "${model}": no rule matched and no default backend is configured.`, {
      model,
    });
    this.name = 'NoRouteError';
    mark(this, noRouteMarker);
  }

  static override isInstance(error: unknown): error is NoRouteError {
    return hasMarker(error, noRouteMarker);
  }
}

const unsupportedMarker = Symbol.for('@router/core.error.unsupported');

export class UnsupportedOperationError extends RouterError {
  override readonly code: string = 'unsupported';
  readonly operation: string;

  constructor(operation: string, options: RouterErrorOptions & { hint?: string } = {}) {
    super(
      `Backend "${options.backend ?? 'unknown'}" does not support ${operation}.${options.hint ? ` ${options.hint}` : ''}`,
      options,
    );
    this.name = 'UnsupportedOperationError';
    mark(this, unsupportedMarker);
    this.operation = operation;
  }

  static override isInstance(error: unknown): error is UnsupportedOperationError {
    return hasMarker(error, unsupportedMarker);
  }
}

const timeoutMarker = Symbol.for('@router/core.error.timeout');

/** Which budget ran out. */
export type TimeoutPhase = 'total' | 'first-chunk' | 'idle' | 'queue';

export class TimeoutError extends RouterError {
  override readonly code: string = 'timeout';
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;

  constructor(phase: TimeoutPhase, timeoutMs: number, options: RouterErrorOptions & { hint?: string } = {}) {
    const what = {
      total: 'the call deadline',
      'first-chunk': 'the time-to-first-chunk limit',
      idle: 'the idle limit between chunks',
      queue: 'the concurrency queue timeout',
    }[phase];
    super(`Timed out after ${timeoutMs} ms (${what}).${options.hint ? ` ${options.hint}` : ''}`, {
      isRetryable: true,
      ...options,
    });
    this.name = 'TimeoutError';
    mark(this, timeoutMarker);
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }

  static override isInstance(error: unknown): error is TimeoutError {
    return hasMarker(error, timeoutMarker);
  }
}

const abortedMarker = Symbol.for('@router/core.error.aborted');

/** The caller aborted the call (its signal fired, or it stopped iterating a stream). */
export class AbortedError extends RouterError {
  override readonly code: string = 'aborted';

  constructor(options: RouterErrorOptions & { reason?: string } = {}) {
    super(`The call was aborted${options.reason ? `: ${options.reason}` : ''}.`, { ...options, isRetryable: false });
    this.name = 'AbortedError';
    mark(this, abortedMarker);
  }

  static override isInstance(error: unknown): error is AbortedError {
    return hasMarker(error, abortedMarker);
  }
}

const interruptedMarker = Symbol.for('@router/core.error.stream-interrupted');

/**
 * A stream failed after text had reached the caller. `partialText` is all of
 * it; the cause says why. Never retried: a repeat would duplicate text.
 */
export class StreamInterruptedError extends RouterError {
  override readonly code: string = 'stream-interrupted';
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
    mark(this, interruptedMarker);
    this.partialText = partialText;
  }

  static override isInstance(error: unknown): error is StreamInterruptedError {
    return hasMarker(error, interruptedMarker);
  }
}

const configMarker = Symbol.for('@router/core.error.configuration');

/** A router or backend was configured wrongly. Lists every problem at once. */
export class ConfigurationError extends RouterError {
  override readonly code: string = 'configuration';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
    mark(this, configMarker);
    this.problems = problems;
  }

  static override isInstance(error: unknown): error is ConfigurationError {
    return hasMarker(error, configMarker);
  }
}

const queueFullMarker = Symbol.for('@router/core.error.queue-full');

/** A concurrency limiter's queue was full: the call was refused without waiting. Retryable later, or on a fallback. */
export class QueueFullError extends RouterError {
  override readonly code: string = 'queue-full';

  constructor(maxQueue: number, options: RouterErrorOptions = {}) {
    super(`Concurrency queue full (${maxQueue} waiting): raise maxQueue or add a fallback.`, { isRetryable: true, ...options });
    this.name = 'QueueFullError';
    mark(this, queueFullMarker);
  }

  static override isInstance(error: unknown): error is QueueFullError {
    return hasMarker(error, queueFullMarker);
  }
}

const circuitMarker = Symbol.for('@router/core.error.circuit-open');

/** The backend's circuit breaker is open: the call failed fast. `retryAfterMs` is the cool-down left. */
export class CircuitOpenError extends RouterError {
  override readonly code: string = 'circuit-open';

  constructor(options: RouterErrorOptions = {}) {
    super(`Backend "${options.backend}" is failing: its circuit breaker is open.`, options);
    this.name = 'CircuitOpenError';
    mark(this, circuitMarker);
  }

  static override isInstance(error: unknown): error is CircuitOpenError {
    return hasMarker(error, circuitMarker);
  }
}

const classifyMarker = Symbol.for('@router/core.error.classify');

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
  override readonly code: string = 'classify';
  readonly text: string;
  readonly issues: readonly ClassifyIssue[];

  constructor(text: string, issues: readonly ClassifyIssue[], options: RouterErrorOptions = {}) {
    super(`No valid answer after re-asking: ${describeIssues(issues)}`, options);
    this.name = 'ClassifyError';
    mark(this, classifyMarker);
    this.text = text;
    this.issues = issues;
  }

  static override isInstance(error: unknown): error is ClassifyError {
    return hasMarker(error, classifyMarker);
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
