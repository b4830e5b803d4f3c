import { AbortedError, BackendError, isRetryableStatus, parseRetryAfter } from '@router/core';
import type { ErrorContext, RouterError } from '@router/core';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { ConnectionQueueFullError } from './connection-queue.ts';
import type { ErrorHints } from './settings.ts';
import { EventTooLargeError } from './sse-decoder.ts';

const maxMessageDetail = 400;
const maxResponseBody = 2_000;

/** Socket-level failures: a repeat may well succeed. */
const networkCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const fetchTimeoutCodes: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** In-stream error codes (OpenRouter style, numeric or named) that a repeat may fix. */
const transientErrorType = /rate.?limit|overload|unavailable|timeout|server/i;

export interface ErrorMappingContext extends ErrorContext {
  /** The base URL, as shown in messages (no credentials), when known. */
  url: string | undefined;
  hints: ErrorHints | undefined;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** The first `code` string on the error or its causes (undici puts it on the cause). */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const { code } = current as { code?: unknown };
    if (typeof code === 'string' && (networkCodes.has(code) || code.startsWith('UND_ERR'))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The error itself or its first cause of the given class (the SDK wraps what a `fetch` threw in its own error). */
function causeOfType<T extends Error>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof type) return current;
    current = current.cause;
  }
  return undefined;
}

/** The innermost cause's message: what actually failed under "fetch failed" (e.g. "bad port"). */
function rootMessage(error: unknown): string | undefined {
  let current: unknown = error;
  let message: string | undefined;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    message = current.message;
    current = current.cause;
  }
  return message;
}

/** undici's "terminated": the server closed the connection while the body was being read. */
function isTerminated(error: unknown): boolean {
  return error instanceof TypeError && error.message === 'terminated';
}

function withHint(message: string, hint: string | undefined): string {
  return hint ? `${message} ${hint}` : message;
}

interface FastApiIssue {
  loc?: unknown;
  msg?: unknown;
}

/**
 * A readable one-liner from an error body: OpenAI `{message}`, FastAPI
 * `{detail}` (a string or a list of validation issues, as Python servers
 * answer 422), a bare string, or the JSON itself.
 */
export function describeErrorBody(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (typeof body !== 'object') return String(body);
  const record = body as { message?: unknown; detail?: unknown; error?: unknown };
  if (typeof record.message === 'string') return record.message;
  if (typeof record.detail === 'string') return record.detail;
  if (Array.isArray(record.detail)) {
    const issues = (record.detail as FastApiIssue[]).map((issue) => {
      const where = Array.isArray(issue.loc) ? issue.loc.join('.') : undefined;
      const what = typeof issue.msg === 'string' ? issue.msg : JSON.stringify(issue);
      return where ? `${where}: ${what}` : what;
    });
    return `invalid request: ${issues.join('; ')}`;
  }
  if (typeof record.error === 'string') return record.error;
  return JSON.stringify(body);
}

function responseBodyOf(error: APIError): string | undefined {
  if (error.error === undefined) return undefined;
  return truncate(typeof error.error === 'string' ? error.error : JSON.stringify(error.error), maxResponseBody);
}

/** The server's own words: the parsed body, or the plain text the SDK put after the status. */
function detailOf(error: APIError): string {
  const fromBody = describeErrorBody(error.error);
  if (fromBody !== undefined) return fromBody;
  const prefix = `${error.status} `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

function statusError(error: APIError & { status: number }, context: ErrorMappingContext): BackendError {
  const { backend, model } = context;
  const detail = truncate(detailOf(error), maxMessageDetail);
  const message = withHint(`${backend}: HTTP ${error.status}: ${detail}`, context.hints?.status?.(error.status, context, detail));
  return new BackendError(message, {
    backend,
    model,
    status: error.status,
    isRetryable: isRetryableStatus(error.status),
    retryAfterMs: parseRetryAfter(error.headers),
    responseBody: responseBodyOf(error),
    url: context.url,
    cause: error,
  });
}

/**
 * An error object the service sent with HTTP 200 — as an event inside a stream
 * (OpenRouter style), or as the whole body of a completion — whose `code`, a
 * status or a named kind, says whether a repeat may fix it.
 */
export function errorInResponse(
  payload: { code?: unknown; message?: unknown } | undefined,
  where: string,
  context: ErrorMappingContext,
  cause?: unknown,
): BackendError {
  const { backend, model } = context;
  const code = payload?.code;
  const numeric = typeof code === 'number' ? code : typeof code === 'string' && /^\d{3}$/.test(code) ? Number(code) : undefined;
  const status = numeric !== undefined && numeric >= 400 && numeric < 600 ? numeric : undefined;
  const isRetryable = status !== undefined ? isRetryableStatus(status) : typeof code === 'string' && transientErrorType.test(code);
  const detail = truncate(describeErrorBody(payload) ?? 'no details', maxMessageDetail);
  return new BackendError(`${backend}: the service reported an error ${where}: ${detail}`, {
    backend,
    model,
    status,
    isRetryable,
    responseBody: payload === undefined ? undefined : truncate(JSON.stringify(payload), maxResponseBody),
    url: context.url,
    cause,
  });
}

/** An error event inside a 200 stream (the SDK throws it with no status). */
function inStreamError(error: APIError, context: ErrorMappingContext): BackendError {
  const payload = (error.error as { code?: unknown; message?: unknown } | undefined) ?? { code: error.code, message: error.message };
  return errorInResponse({ code: error.code ?? payload.code, message: payload.message ?? error.message }, 'inside the stream', context, error);
}

function connectionError(error: unknown, code: string | undefined, context: ErrorMappingContext): BackendError {
  const { backend, model, url, hints } = context;
  const where = url ?? 'the server';
  let message: string;
  if (code !== undefined && fetchTimeoutCodes.has(code)) {
    const phase = code === 'UND_ERR_HEADERS_TIMEOUT' ? 'response headers' : 'the next part of the response body';
    message = withHint(
      `${backend}: Node's fetch stopped waiting for ${phase} from ${where} (${code}: undici's own timeout, 300 s by default, whatever the call's budget).`,
      hints?.fetchTimeout ?? 'Pass a `fetch` whose dispatcher has longer headersTimeout/bodyTimeout if the server is expected to be this slow.',
    );
  } else {
    const reason = code ?? rootMessage(error);
    message = withHint(`${backend}: cannot connect to ${where}${reason ? ` (${reason})` : ''}.`, hints?.connection);
  }
  return new BackendError(message, { backend, model, isRetryable: true, url, cause: error });
}

/** Refused before anything was sent: retryable, since a moment later (or another backend) may have room. */
function connectionQueueFull(refusal: ConnectionQueueFullError, error: unknown, context: ErrorMappingContext): BackendError {
  const { backend, model, url } = context;
  const { maxQueuedRequests, maxConnections } = refusal.limits;
  return new BackendError(
    `${backend}: not sent: ${maxQueuedRequests} requests already wait for one of the ${maxConnections} connections to ${url ?? 'the server'} (maxQueuedRequests). ` +
      'Raise maxQueuedRequests or maxConnections, or bound the calls with a limiter.',
    { backend, model, isRetryable: true, url, cause: error },
  );
}

/** A broken or hostile server (no real event is this large): retryable like a malformed event, since another attempt or backend may be sound. */
function eventTooLarge(error: EventTooLargeError, context: ErrorMappingContext): BackendError {
  const { backend, model, url } = context;
  return new BackendError(
    `${backend}: the server sent a stream event larger than ${error.maxEventBytes} bytes (maxEventBytes); the connection was closed. ` +
      'Raise maxEventBytes if this server really sends events that large.',
    { backend, model, isRetryable: true, url, cause: error },
  );
}

/**
 * Turns what the `openai` SDK threw into core's typed errors. Aborts and
 * deadlines never get here: core reports those from its own signal.
 */
export function mapSdkError(error: unknown, context: ErrorMappingContext): RouterError | undefined {
  const { backend, model, url, hints } = context;
  if (error instanceof APIUserAbortError) return new AbortedError({ backend, model, cause: error });
  const queueFull = causeOfType(error, ConnectionQueueFullError);
  if (queueFull) return connectionQueueFull(queueFull, error, context);
  if (error instanceof EventTooLargeError) return eventTooLarge(error, context);
  // Includes APIConnectionTimeoutError: the SDK's own timer is set past core's deadline, so a
  // timeout here is undici's (headers, body or connect), and its code says which.
  if (error instanceof APIConnectionError) return connectionError(error, networkCode(error), context);
  if (error instanceof APIError) {
    return error.status === undefined ? inStreamError(error, context) : statusError(error as APIError & { status: number }, context);
  }
  if (error instanceof SyntaxError) {
    return new BackendError(`${backend}: the server sent a malformed event (invalid JSON): ${error.message}`, {
      backend,
      model,
      isRetryable: true,
      url,
      cause: error,
    });
  }
  const code = networkCode(error);
  if (code !== undefined && fetchTimeoutCodes.has(code)) return connectionError(error, code, context);
  if (code !== undefined || isTerminated(error)) {
    return new BackendError(
      withHint(`${backend}: the connection to ${url ?? 'the server'} closed in the middle of the response${code ? ` (${code})` : ''}.`, hints?.closedMidResponse),
      { backend, model, isRetryable: true, url, cause: error },
    );
  }
  return undefined;
}
