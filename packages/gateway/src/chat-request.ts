import type { CallOptions, Message, ResponseFormat } from '@router/core';
import { readMessages } from './chat-messages.ts';
import { readToolsAndReasoning } from './chat-tools.ts';
import { badField } from './errors.ts';
import { isObject, type JsonObject } from './json.ts';

/** A chat completions request, read from the wire into the router's terms. */
export interface ChatRequest {
  messages: Message[];
  options: CallOptions;
  stream: boolean;
  /** `stream_options.include_usage`: a last chunk with `choices: []` and the usage. */
  includeUsage: boolean;
}

/** Fields this gateway reads; everything else passes through to the backend as extra body. */
const consumed: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'response_format',
  'user',
  'n',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'reasoning',
  'functions',
  'function_call',
]);

function optionalNumber(body: JsonObject, field: string, check: (n: number) => boolean, rule: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) throw badField(field, `must be ${rule}.`);
  return value;
}

function optionalString(body: JsonObject, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badField(field, 'must be a string.');
  return value;
}

export function requireModel(body: JsonObject): string {
  const { model } = body;
  if (typeof model !== 'string' || model.trim() === '') throw badField('model', 'is required: a non-empty model id string.');
  return model;
}

function readStop(value: unknown): string | string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw badField('stop', 'must be a string or an array of strings.');
}

function readResponseFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw badField('response_format', 'must be an object with a `type`.');
  if (value.type === 'text' || value.type === 'json_object') return { type: value.type };
  if (value.type !== 'json_schema') throw badField('response_format.type', 'must be "text", "json_object" or "json_schema".');
  const spec = value.json_schema;
  if (!isObject(spec) || !isObject(spec.schema)) throw badField('response_format.json_schema.schema', 'must be a JSON Schema object.');
  const format: ResponseFormat = { type: 'json_schema', schema: spec.schema };
  if (typeof spec.name === 'string') format.name = spec.name;
  if (typeof spec.strict === 'boolean') format.strict = spec.strict;
  return format;
}

function readStreamFlags(body: JsonObject): { stream: boolean; includeUsage: boolean } {
  const { stream, stream_options: streamOptions } = body;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') throw badField('stream', 'must be a boolean.');
  if (streamOptions !== undefined && streamOptions !== null && !isObject(streamOptions)) throw badField('stream_options', 'must be an object.');
  const includeUsage = isObject(streamOptions) && streamOptions.include_usage === true;
  return { stream: stream === true, includeUsage };
}

/** The body fields no typed option covers: sent to the routed backend as they came. */
export function extraFields(body: JsonObject, known: ReadonlySet<string>): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key in body) {
    if (known.has(key) || !Object.hasOwn(body, key)) continue;
    (extra ??= {})[key] = body[key];
  }
  return extra;
}

/** Reads a chat completions body, naming the first bad field (in the wire's spelling) in a 400. */
export function readChatRequest(body: JsonObject): ChatRequest {
  const model = requireModel(body);
  const messages = readMessages(body.messages);
  // One choice per request: the router produces one completion.
  optionalNumber(body, 'n', (value) => value === 1, '1 (one choice per request)');
  const options: CallOptions = { model };
  const maxTokens =
    optionalNumber(body, 'max_completion_tokens', (v) => Number.isInteger(v) && v > 0, 'a positive integer') ??
    optionalNumber(body, 'max_tokens', (v) => Number.isInteger(v) && v > 0, 'a positive integer');
  if (maxTokens !== undefined) options.maxTokens = maxTokens;
  const temperature = optionalNumber(body, 'temperature', (v) => v >= 0 && v <= 2, 'a number from 0 to 2');
  if (temperature !== undefined) options.temperature = temperature;
  const topP = optionalNumber(body, 'top_p', (v) => v > 0 && v <= 1, 'a number in (0, 1]');
  if (topP !== undefined) options.topP = topP;
  const seed = optionalNumber(body, 'seed', Number.isInteger, 'an integer');
  if (seed !== undefined) options.seed = seed;
  const presence = optionalNumber(body, 'presence_penalty', (v) => v >= -2 && v <= 2, 'a number from -2 to 2');
  if (presence !== undefined) options.presencePenalty = presence;
  const frequency = optionalNumber(body, 'frequency_penalty', (v) => v >= -2 && v <= 2, 'a number from -2 to 2');
  if (frequency !== undefined) options.frequencyPenalty = frequency;
  const stop = readStop(body.stop);
  if (stop !== undefined) options.stop = stop;
  const responseFormat = readResponseFormat(body.response_format);
  if (responseFormat !== undefined) options.responseFormat = responseFormat;
  const user = optionalString(body, 'user');
  if (user !== undefined) options.user = user;
  readToolsAndReasoning(body, options);
  const extra = extraFields(body, consumed);
  if (extra !== undefined) options.extraBody = extra;
  return { messages, options, ...readStreamFlags(body) };
}
