import type { Attributes } from '@opentelemetry/api';
import type { CallOptions, EmbedOptions, FinishReason, Operation, RouterError, Usage } from '@router/core';

/**
 * Attribute names: the GenAI semantic conventions (status: development) and
 * the router's own under `router.`, in one place so a rename is one edit.
 */
export const names = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestStream: 'gen_ai.request.stream',
  responseModel: 'gen_ai.response.model',
  finishReasons: 'gen_ai.response.finish_reasons',
  timeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  outputType: 'gen_ai.output.type',
  stopSequences: 'gen_ai.request.stop_sequences',
  tokenType: 'gen_ai.token.type',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  errorType: 'error.type',
  httpStatus: 'http.response.status_code',
  backend: 'router.backend',
  servedBy: 'router.served_by',
  adapter: 'router.adapter',
  attempts: 'router.attempts',
  attempt: 'router.attempt',
  outcome: 'router.attempt.outcome',
  retryDelay: 'router.retry.delay',
  limiterWait: 'router.limiter.wait',
  fallbackTo: 'router.fallback.to',
  fallbackToModel: 'router.fallback.to_model',
  breakerState: 'router.breaker.state',
  breakerPrevious: 'router.breaker.previous',
} as const;

/** `gen_ai.operation.name` for each router operation. */
export const operationName: Readonly<Record<Operation, string>> = { generate: 'chat', stream: 'chat', embed: 'embeddings' };

/** Numeric call options and their attributes; a new setting is one line. */
const numericSettings: readonly (readonly [keyof CallOptions | keyof EmbedOptions, string])[] = [
  ['maxTokens', 'gen_ai.request.max_tokens'],
  ['temperature', 'gen_ai.request.temperature'],
  ['topP', 'gen_ai.request.top_p'],
  ['seed', 'gen_ai.request.seed'],
  ['presencePenalty', 'gen_ai.request.presence_penalty'],
  ['frequencyPenalty', 'gen_ai.request.frequency_penalty'],
  ['dimensions', 'gen_ai.embeddings.dimension.count'],
];

/**
 * The request settings the conventions name, read from the call's options.
 * Only settings: headers and `extraBody` may carry credentials and are never read.
 */
export function addRequestSettings(attributes: Attributes, options: CallOptions | EmbedOptions): void {
  const settings = options as Partial<Record<string, unknown>> & CallOptions;
  for (const [key, name] of numericSettings) {
    const value = settings[key];
    if (typeof value === 'number') attributes[name] = value;
  }
  const { stop, responseFormat } = settings;
  if (stop !== undefined) attributes[names.stopSequences] = typeof stop === 'string' ? [stop] : [...stop];
  if (responseFormat) attributes[names.outputType] = responseFormat.type === 'text' ? 'text' : 'json';
}

/**
 * Usage counts and their attributes. Reasoning and cached-input counts
 * (`gen_ai.usage.reasoning.output_tokens`, `gen_ai.usage.cache_read.input_tokens`)
 * are one line each here once core's `Usage` carries them; the type keeps
 * every key a real `Usage` field.
 */
export const usageAttributes: { readonly [K in keyof Usage]?: string } = {
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cachedInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  reasoningTokens: 'gen_ai.usage.reasoning.output_tokens',
  cost: 'router.usage.cost',
};

/** Usage counts that feed `gen_ai.client.token.usage`, by `gen_ai.token.type`. */
export const tokenTypes: { readonly [K in keyof Usage]?: string } = { inputTokens: 'input', outputTokens: 'output' };

export function addUsage(attributes: Attributes, usage: Usage): void {
  for (const key in usageAttributes) {
    const value = usage[key as keyof Usage];
    if (typeof value === 'number') attributes[usageAttributes[key as keyof Usage]!] = value;
  }
}

/** The router's finish reasons in the providers' own spelling, which the conventions use. */
const finishReasonNames: Readonly<Record<FinishReason, string>> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
  error: 'error',
  other: 'other',
  unknown: 'unknown',
};

export const finishReasonName = (reason: FinishReason): string => finishReasonNames[reason] ?? reason;

/** `error.type`: the router's error code, a small fixed set (`timeout`, `backend`, `stream-interrupted`...). */
export function addError(attributes: Attributes, error: RouterError): void {
  attributes[names.errorType] = error.code;
  if (error.status !== undefined) attributes[names.httpStatus] = error.status;
}

/** A status description from the error's kind and status, never its message (which may quote a provider's body). */
export const describeError = (error: RouterError): string =>
  `${error.name}(${error.code}${error.status === undefined ? '' : ` ${error.status}`})`;
