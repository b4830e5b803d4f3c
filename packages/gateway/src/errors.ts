import {
  AbortedError,
  BackendError,
  CircuitOpenError,
  InvalidRequestError,
  NoRouteError,
  QueueFullError,
  RouterError,
  StreamInterruptedError,
  TimeoutError,
  UnsupportedOperationError,
  type Capability,
} from '@router/core';

/** The `type` field of an OpenAI error body. */
export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'server_error';

/** An error the gateway answers with: OpenAI's body, the HTTP status, and `Retry-After` where one applies. */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  readonly code: string | null;
  /** Seconds, for the `Retry-After` header (429 and 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    type: OpenAIErrorType,
    message: string,
    details: { param?: string | null; code?: string | null; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'GatewayError';
    this.status = status;
    this.type = type;
    this.param = details.param ?? null;
    this.code = details.code ?? null;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  /** The JSON body: `{ error: { message, type, param, code } }`. */
  toJSON(): { error: { message: string; type: OpenAIErrorType; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 naming the field at fault, in the wire's own spelling. */
export function badField(param: string, problem: string): GatewayError {
  return new GatewayError(400, 'invalid_request_error', `Invalid request: ${param} ${problem}`, { param });
}

/** A capability a backend lacks, as a client knows it: the request field that needed it. */
const capabilityFields: Readonly<Partial<Record<Capability, { what: string; param: string }>>> = {
  tools: { what: 'tool calls', param: 'tools' },
  images: { what: 'image parts', param: 'messages' },
  reasoning: { what: 'reasoning settings', param: 'reasoning' },
  jsonMode: { what: 'JSON mode', param: 'response_format' },
  embeddings: { what: 'embeddings', param: 'model' },
};

/** Core names options by their TypeScript spelling; clients know the wire's. */
const wireNames: Readonly<Record<string, string>> = {
  'options.model': 'model',
  'options.maxTokens': 'max_tokens',
  'options.temperature': 'temperature',
  'options.topP': 'top_p',
  'options.dimensions': 'dimensions',
  'options.toolChoice': 'tool_choice',
  'options.parallelToolCalls': 'parallel_tool_calls',
  'options.reasoning.maxTokens': 'reasoning.max_tokens',
};

/** Core's spelling inside messages and tools, and the wire's. */
const wireSegments: readonly [RegExp, string][] = [
  [/\.toolCallId\b/, '.tool_call_id'],
  [/\.toolCalls\b/, '.tool_calls'],
  [/(\.tool_calls\[\d+\])\.(name|arguments)\b/, '$1.function.$2'],
  [/(\.content\[\d+\])\.image\b/, '$1.image_url.url'],
  [/^(tools\[\d+\])\.(name|description|parameters|strict)\b/, '$1.function.$2'],
];

function wireParam(field: string): string {
  let param = wireNames[field] ?? field.replace(/^options\.(extraBody\.)?/, '');
  for (const [pattern, replacement] of wireSegments) param = param.replace(pattern, replacement);
  return param;
}

const toSeconds = (ms: number | undefined, fallback: number): number => (ms === undefined ? fallback : Math.max(1, Math.ceil(ms / 1000)));

/**
 * What a client sees for an error the router raised. Client mistakes keep
 * their message; a backend's failure is named by backend and status only,
 * since its message may carry internal URLs the client has no use for.
 */
export function fromRouterError(thrown: unknown): GatewayError {
  if (thrown instanceof GatewayError) return thrown;
  if (!RouterError.isInstance(thrown)) return new GatewayError(500, 'server_error', 'The gateway failed to handle the request.', { cause: thrown });
  // Unknown again, so a failed check does not narrow it: the error classes are alike in shape.
  const error: unknown = thrown;
  if (InvalidRequestError.isInstance(error)) {
    const param = wireParam(error.field);
    return new GatewayError(400, 'invalid_request_error', error.message.replace(error.field, param), { param, cause: error });
  }
  if (NoRouteError.isInstance(error)) {
    return new GatewayError(404, 'invalid_request_error', `The model "${error.model}" does not exist or no route serves it.`, {
      param: 'model',
      code: 'model_not_found',
      cause: error,
    });
  }
  if (UnsupportedOperationError.isInstance(error)) {
    const capability = error.capability === undefined ? undefined : capabilityFields[error.capability];
    if (capability === undefined) return new GatewayError(400, 'invalid_request_error', error.message, { code: 'unsupported_operation', cause: error });
    return new GatewayError(
      400,
      'invalid_request_error',
      `The backend serving "${error.model ?? ''}" (${error.backend ?? 'unknown'}) does not support ${capability.what} (capability "${error.capability}").`,
      { param: capability.param, code: 'unsupported_capability', cause: error },
    );
  }
  if (QueueFullError.isInstance(error)) {
    return new GatewayError(429, 'rate_limit_error', 'Too many calls are waiting for this model; retry later.', {
      code: 'rate_limit_exceeded',
      retryAfterSeconds: toSeconds(error.retryAfterMs, 1),
      cause: error,
    });
  }
  if (CircuitOpenError.isInstance(error)) {
    return new GatewayError(503, 'server_error', `The backend for this model is failing (${error.backend ?? 'unknown'}); retry later.`, {
      code: 'backend_unavailable',
      retryAfterSeconds: toSeconds(error.retryAfterMs, 1),
      cause: error,
    });
  }
  // A router limiter, breaker or rate limit on a shared store that fails closed (e.g. @router/redis's, while Redis is down).
  if ((error as RouterError).code === 'shared-state-unavailable') {
    return new GatewayError(503, 'server_error', 'The shared state of the limits for this model is unavailable; retry later.', {
      code: 'shared_state_unavailable',
      retryAfterSeconds: 1,
      cause: error,
    });
  }
  if (TimeoutError.isInstance(error)) {
    return new GatewayError(504, 'server_error', error.message, { code: 'timeout', cause: error });
  }
  if (StreamInterruptedError.isInstance(error)) {
    return new GatewayError(502, 'server_error', `The stream from backend "${error.backend ?? 'unknown'}" was interrupted.`, {
      code: 'stream_interrupted',
      cause: error,
    });
  }
  if (AbortedError.isInstance(error)) {
    // Only logged: the client is gone. 499 is the de facto status for that.
    return new GatewayError(499, 'invalid_request_error', error.message, { code: 'client_closed_request', cause: error });
  }
  return fromBackendStatus(thrown);
}

function fromBackendStatus(error: RouterError): GatewayError {
  const backend = error.backend ?? 'unknown';
  const status = error.status;
  if (status === 429) {
    return new GatewayError(429, 'rate_limit_error', `Backend "${backend}" is rate limited; retry later.`, {
      code: 'rate_limit_exceeded',
      retryAfterSeconds: toSeconds(error.retryAfterMs, 1),
      cause: error,
    });
  }
  // The client's request was at fault (a context too long, a parameter the model rejects): its message helps them.
  if (status === 400 || status === 422) {
    return new GatewayError(400, 'invalid_request_error', `Backend "${backend}" refused the request: ${truncate(error.message)}`, { cause: error });
  }
  if (status === 404) {
    return new GatewayError(404, 'invalid_request_error', `Backend "${backend}" does not know the model "${error.model ?? ''}".`, {
      param: 'model',
      code: 'model_not_found',
      cause: error,
    });
  }
  if (status === 503) {
    return new GatewayError(503, 'server_error', `Backend "${backend}" is unavailable; retry later.`, {
      code: 'backend_unavailable',
      retryAfterSeconds: toSeconds(error.retryAfterMs, 1),
      cause: error,
    });
  }
  // 401/403 from a backend are the gateway's credentials, not the client's: a bad gateway, never a 401 to the client.
  const what = status === undefined ? 'could not be reached' : `failed with status ${status}`;
  const kind = BackendError.isInstance(error) || status !== undefined ? 'backend_error' : 'server_error';
  return new GatewayError(502, 'server_error', `Backend "${backend}" ${what}.`, { code: kind, cause: error });
}

const truncate = (text: string): string => (text.length > 300 ? `${text.slice(0, 300)}…` : text);
