import { InvalidRequestError } from '@router/core';
import type { BackendCall, BackendEmbedCall, CallOptions, Message, ResponseFormat } from '@router/core';

/** Fields the backend sets itself; extra body fields may not replace them. */
export const reservedChatFields: readonly string[] = ['model', 'messages', 'stream'];
export const reservedEmbedFields: readonly string[] = ['model', 'input'];

export interface BodyShaping {
  defaultExtraBody: Record<string, unknown> | undefined;
  extraBodyKey: string | undefined;
}

/** The first reserved field set in `extra`, if any. */
export function reservedFieldIn(extra: object | undefined, reserved: readonly string[]): string | undefined {
  if (!extra) return undefined;
  return reserved.find((field) => Object.hasOwn(extra, field));
}

function toWireMessage(message: Message): Record<string, string> {
  return message.name === undefined
    ? { role: message.role, content: message.content }
    : { role: message.role, content: message.content, name: message.name };
}

function toWireResponseFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type !== 'json_schema') return { type: format.type };
  const jsonSchema: Record<string, unknown> = { name: format.name ?? 'response', schema: format.schema };
  if (format.strict !== undefined) jsonSchema.strict = format.strict;
  return { type: 'json_schema', json_schema: jsonSchema };
}

/** The OpenAI chat fields for the typed call options (only those the caller set). */
function sampling(options: CallOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (options.maxTokens !== undefined) body.max_tokens = options.maxTokens;
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (options.topP !== undefined) body.top_p = options.topP;
  if (options.stop !== undefined) body.stop = typeof options.stop === 'string' ? options.stop : [...options.stop];
  if (options.seed !== undefined) body.seed = options.seed;
  if (options.presencePenalty !== undefined) body.presence_penalty = options.presencePenalty;
  if (options.frequencyPenalty !== undefined) body.frequency_penalty = options.frequencyPenalty;
  if (options.responseFormat !== undefined) body.response_format = toWireResponseFormat(options.responseFormat);
  if (options.user !== undefined) body.user = options.user;
  return body;
}

/** Puts extra fields at the top level, or inside `extraBodyKey` when the server reads them there. */
function withExtra(body: Record<string, unknown>, extra: Record<string, unknown>, extraBodyKey: string | undefined): Record<string, unknown> {
  if (Object.keys(extra).length === 0) return body;
  return extraBodyKey === undefined ? { ...body, ...extra } : { ...body, [extraBodyKey]: extra };
}

function rejectReserved(extra: Record<string, unknown> | undefined, reserved: readonly string[], model: string): void {
  const field = reservedFieldIn(extra, reserved);
  if (field !== undefined) {
    throw new InvalidRequestError(
      `options.extraBody.${field}`,
      `cannot be set through extraBody: the backend sets ${reserved.join(', ')} itself (use the call's arguments instead).`,
      { model },
    );
  }
}

/**
 * The chat completions body: typed options, then the merged extra body
 * (`defaultExtraBody` under the call's `extraBody`), which may set any
 * other field, `stream_options` included.
 */
export function chatBody(call: BackendCall, stream: boolean, shaping: BodyShaping): Record<string, unknown> {
  const { options } = call;
  rejectReserved(options.extraBody, reservedChatFields, options.model);
  const body: Record<string, unknown> = {
    model: options.model,
    messages: call.messages.map(toWireMessage),
    ...sampling(options),
    stream,
  };
  if (stream) body.stream_options = { include_usage: true };
  return withExtra(body, { ...shaping.defaultExtraBody, ...options.extraBody }, shaping.extraBodyKey);
}

/**
 * The embeddings body: always float vectors (many compatible servers cannot send base64). `input` is
 * the call's inputs, or one of them as a string for servers that take one string per request.
 */
export function embedBody(call: BackendEmbedCall, input: string | readonly string[] = call.input): Record<string, unknown> {
  const { options } = call;
  rejectReserved(options.extraBody, reservedEmbedFields, options.model);
  const body: Record<string, unknown> = { model: options.model, input: typeof input === 'string' ? input : [...input], encoding_format: 'float' };
  if (options.dimensions !== undefined) body.dimensions = options.dimensions;
  return { ...body, ...options.extraBody };
}
