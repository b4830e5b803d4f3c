import { inspect } from 'node:util';
import { BackendError, isRetryableStatus, parseRetryAfter, type BackendDefinition, type ErrorContext } from '@router/core';
import { APICallError, JSONParseError, TypeValidationError } from '@ai-sdk/provider';
import { isPlainObject } from './validate.ts';

/** OpenRouter's `metadata.error_type` values that a repeat may fix. */
const retryableErrorTypes: ReadonlySet<string> = new Set([
  'rate_limit_exceeded',
  'provider_overloaded',
  'provider_unavailable',
  'server',
  'timeout',
]);

const maxBodyChars = 2000;
const maxDetailChars = 400;

/** What to do about each status, appended to the message. */
function adviceFor(status: number | undefined): string {
  switch (status) {
    case 400:
      return 'Check the model id and the request parameters (extraBody, provider preferences).';
    case 401:
      return 'Check OPENROUTER_API_KEY (or the apiKey setting): the key is missing, wrong or revoked.';
    case 402:
      return "The account or key is out of credits: add credits at https://openrouter.ai/settings/credits or raise the key's limit.";
    case 403:
      return 'Moderation flagged the input, or a guardrail or key restriction forbids this request; change the input or the guardrail.';
    case 404:
      return 'Check the model id (https://openrouter.ai/models) and the baseURL setting.';
    case 408:
      return 'OpenRouter timed out waiting for the model; retry, or ask for fewer tokens.';
    case 429:
      return 'Rate limited: retry after the delay or send fewer requests (":free" models have low limits).';
    case 502:
      return "The model's provider is down or answered badly; retry, or give fallbacks (`models`, `provider.allow_fallbacks`).";
    case 503:
      return 'No provider can serve this request: the provider routing preferences may be too strict (order/only/ignore with allow_fallbacks: false, require_parameters, max_price, quantizations); relax them or retry later.';
    default:
      return status !== undefined && status >= 500 ? 'OpenRouter had a server error; retry later.' : '';
  }
}

/** OpenRouter's error payload (`{code, message, metadata}`) as it reaches us inside SDK errors. */
interface ErrorPayload {
  code?: unknown;
  message?: unknown;
  metadata?: unknown;
}

/**
 * An error OpenRouter reported as an event inside a stream: the provider
 * package hands over the event's `error` object as it came, and the stream
 * throws it wrapped in this, so that it has a stack and a message.
 */
export class StreamErrorEvent extends Error {
  readonly payload: unknown;

  constructor(payload: unknown) {
    const message = isPlainObject(payload) && typeof payload.message === 'string' ? payload.message : 'OpenRouter reported an error in the stream.';
    super(message);
    this.name = 'StreamErrorEvent';
    this.payload = payload;
  }
}

function errorTypeOf(payload: ErrorPayload | undefined): string | undefined {
  const type = isPlainObject(payload?.metadata) ? payload.metadata.error_type : undefined;
  return typeof type === 'string' ? type : undefined;
}

/** HTTP statuses come as numbers, sometimes as numeric strings; other codes are not statuses. */
function statusOf(code: unknown): number | undefined {
  const status = typeof code === 'string' && /^\d{3}$/.test(code) ? Number(code) : code;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599 ? status : undefined;
}

/** A service's message as one sentence of ours: trimmed, bounded, ending with a full stop. */
function sentence(text: string): string {
  const trimmed = text.trim().slice(0, maxDetailChars);
  return trimmed === '' || /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** Keeps the API key out of everything an error carries, should a service or proxy echo it back. */
function createRedactor(secret: string | undefined): { text(text: string): string; leaks(value: unknown): boolean } {
  if (secret === undefined || secret === '') return { text: (text) => text, leaks: () => false };
  return {
    // Before any truncation, so that no prefix of the key survives either.
    text: (text) => text.replaceAll(secret, '[redacted]'),
    // Errors are rare: inspecting the SDK's error (and its causes) in full is affordable here.
    leaks: (value) => inspect(value, { depth: 6, maxStringLength: null, maxArrayLength: null }).includes(secret),
  };
}

export type ErrorMapper = NonNullable<BackendDefinition['mapError']>;

interface ErrorParts {
  /** The service's own words (redacted and shortened here), or undefined. */
  detail?: string;
  /** Builds our message around the prepared detail. */
  message: (detail: string) => string;
  status?: number;
  isRetryable: boolean;
  retryAfterMs?: number;
  responseBody?: string;
  cause: unknown;
}

/**
 * Turns what the AI SDK reports into core's typed errors: the right status,
 * retryability and `retryAfterMs`, and a message that says what to do.
 * `secret` returns the API key in use, so that no message, body or cause carries it.
 */
export function createErrorMapper(options: { baseURL: string; secret: () => string | undefined }): ErrorMapper {
  const { baseURL } = options;

  const build = (context: ErrorContext, parts: ErrorParts): BackendError => {
    const redact = createRedactor(options.secret());
    return new BackendError(parts.message(sentence(redact.text(parts.detail ?? ''))).trim(), {
      backend: context.backend,
      model: context.model,
      status: parts.status,
      isRetryable: parts.isRetryable,
      retryAfterMs: parts.retryAfterMs,
      responseBody: parts.responseBody === undefined ? undefined : redact.text(parts.responseBody).slice(0, maxBodyChars),
      url: baseURL,
      // The SDK's error is kept for diagnosis, unless it carries the key.
      cause: redact.leaks(parts.cause) ? undefined : parts.cause,
    });
  };

  /** An error OpenRouter reported as an event inside a stream (or a 200 body), not as an HTTP status. */
  const fromPayload = (payload: ErrorPayload | undefined, fallbackMessage: string, cause: unknown, context: ErrorContext, sdkRetryable: boolean): BackendError => {
    const status = statusOf(payload?.code);
    const errorType = errorTypeOf(payload);
    const code = payload?.code === undefined || payload.code === null ? '' : `code ${String(payload.code)}`;
    const what = [code, errorType].filter(Boolean).join(', ');
    return build(context, {
      detail: typeof payload?.message === 'string' ? payload.message : fallbackMessage,
      message: (detail) => `${context.backend}: OpenRouter reported an error${what ? ` (${what})` : ''}: ${detail} ${adviceFor(status)}`,
      status,
      isRetryable: status !== undefined ? isRetryableStatus(status) : sdkRetryable || (errorType !== undefined && retryableErrorTypes.has(errorType)),
      cause,
    });
  };

  return (error, context) => {
    if (error instanceof StreamErrorEvent) {
      const payload = isPlainObject(error.payload) ? (error.payload as ErrorPayload) : undefined;
      return fromPayload(payload, error.message, error, context, false);
    }
    if (APICallError.isInstance(error)) {
      const status = error.statusCode;
      if (status === undefined) {
        return build(context, {
          detail: error.message,
          message: (detail) => `${context.backend}: OpenRouter not reachable at ${baseURL}: ${detail} Check the network connection and the baseURL setting.`,
          isRetryable: true,
          cause: error,
        });
      }
      if (status < 400) {
        // OpenRouter can answer 200 with an error object instead of a completion.
        if (isPlainObject(error.data)) return fromPayload(error.data, error.message, error, context, error.isRetryable);
        // Otherwise the body broke off mid-read or was unreadable: a glitch a repeat may fix.
        const why = error.cause instanceof Error ? ` (${error.cause.message})` : '';
        return build(context, {
          detail: error.message + why,
          message: (detail) => `${context.backend}: reading OpenRouter's response failed: ${detail}`,
          isRetryable: true,
          cause: error,
        });
      }
      const headers = error.responseHeaders;
      return build(context, {
        detail: error.message,
        message: (detail) => `${context.backend}: OpenRouter answered ${status}: ${detail} ${adviceFor(status)}`,
        status,
        isRetryable: isRetryableStatus(status),
        retryAfterMs: parseRetryAfter(headers && { get: (name: string) => headers[name] ?? null }),
        responseBody: error.responseBody,
        cause: error,
      });
    }
    if (JSONParseError.isInstance(error) || TypeValidationError.isInstance(error)) {
      return build(context, {
        detail: error.message.split('\n')[0],
        message: (detail) => `${context.backend}: OpenRouter sent a response this client cannot read: ${detail} If it persists, check that baseURL points at OpenRouter's API.`,
        // Usually a broken event, which a repeat fixes; a wrong baseURL fails the same way every time and stops after the retries.
        isRetryable: true,
        cause: error,
      });
    }
    return undefined;
  };
}
