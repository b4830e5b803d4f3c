import {
  APICallError,
  InvalidArgumentError,
  InvalidPromptError,
  NoSuchModelError,
  UnsupportedFunctionalityError,
  type LanguageModelV3Prompt,
} from '@ai-sdk/provider';
import {
  AbortedError,
  BackendError,
  InvalidRequestError,
  NoRouteError,
  RouterError,
  UnsupportedOperationError,
} from '@router/core';

/** Where a call went, for errors the AI SDK wants a URL in: the backend's base URL when known. */
const urlOf = (error: RouterError): string =>
  (BackendError.isInstance(error) ? error.url : undefined) ?? `router:${error.backend ?? 'unknown'}`;

/**
 * A router error as the AI SDK's error of the same meaning, the router's
 * error kept as `cause`:
 * - bad input: `InvalidPromptError` (a message) or `InvalidArgumentError` (an option);
 * - no route for the model: `NoSuchModelError`;
 * - a capability the backend lacks: `UnsupportedFunctionalityError`;
 * - everything that happened on the way to a service (its errors, timeouts,
 *   an open breaker, a full queue, a stream cut short): `APICallError`, with
 *   the router's `isRetryable` and status. The router has already retried
 *   and fallen back by then, so `ai`'s own retries (`maxRetries`) multiply
 *   the attempts: set `maxRetries: 0`.
 * An abort is the caller's own signal's reason, as from `fetch`, so `ai`
 * treats it as an abort. Anything else passes through unchanged.
 */
export function toAISDKError(error: unknown, context: { prompt?: LanguageModelV3Prompt; signal?: AbortSignal | undefined; modelType: 'languageModel' | 'embeddingModel' }): unknown {
  if (!RouterError.isInstance(error)) return error;
  // By code, not by type guards: classes without fields of their own would narrow every other error away.
  switch (error.code) {
    case AbortedError.code:
      return context.signal?.aborted ? context.signal.reason : error;
    case InvalidRequestError.code: {
      const { field } = error as InvalidRequestError;
      return field.startsWith('messages')
        ? new InvalidPromptError({ prompt: context.prompt, message: error.message, cause: error })
        : new InvalidArgumentError({ argument: field, message: error.message, cause: error });
    }
    case NoRouteError.code:
      return new NoSuchModelError({ modelId: error.model ?? 'unknown', modelType: context.modelType, message: error.message });
    case UnsupportedOperationError.code: {
      const { capability, operation } = error as UnsupportedOperationError;
      return new UnsupportedFunctionalityError({ functionality: capability ?? operation, message: error.message });
    }
  }
  return new APICallError({
    message: error.message,
    url: urlOf(error),
    requestBodyValues: undefined,
    statusCode: error.status,
    // `ai` waits what the service asked for before its own retry, when it retries.
    responseHeaders: error.retryAfterMs === undefined ? undefined : { 'retry-after-ms': String(error.retryAfterMs) },
    responseBody: BackendError.isInstance(error) ? error.responseBody : undefined,
    isRetryable: error.isRetryable,
    cause: error,
    data: { code: error.code, backend: error.backend, model: error.model },
  });
}
