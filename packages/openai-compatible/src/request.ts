import { InvalidRequestError } from '@router/core';
import type {
  BackendCall,
  BackendEmbedCall,
  CallOptions,
  ContentPart,
  Message,
  ReasoningOptions,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from '@router/core';
import type { MaxTokensField, ReasoningField } from './settings.ts';

/** Fields the backend sets itself; extra body fields may not replace them. */
export const reservedChatFields: readonly string[] = ['model', 'messages', 'stream'];
export const reservedEmbedFields: readonly string[] = ['model', 'input'];

export interface BodyShaping {
  defaultExtraBody: Record<string, unknown> | undefined;
  extraBodyKey: string | undefined;
  maxTokensField: MaxTokensField;
  reasoningField: ReasoningField;
}

/** The first reserved field set in `extra`, if any. */
export function reservedFieldIn(extra: object | undefined, reserved: readonly string[]): string | undefined {
  if (!extra) return undefined;
  return reserved.find((field) => Object.hasOwn(extra, field));
}

/** Image bytes as the data URL the wire takes; URLs (https:, data:) go as given. */
function imageURL(image: string | URL | Uint8Array, mediaType: string | undefined): string {
  if (typeof image === 'string') return image;
  if (image instanceof URL) return image.href;
  return `data:${mediaType};base64,${Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('base64')}`;
}

function toWirePart(part: ContentPart): Record<string, unknown> {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const imageURLField: Record<string, unknown> = { url: imageURL(part.image, part.mediaType) };
  if (part.detail !== undefined) imageURLField.detail = part.detail;
  return { type: 'image_url', image_url: imageURLField };
}

function toWireMessage(message: Message): Record<string, unknown> {
  const wire: Record<string, unknown> = { role: message.role };
  switch (message.role) {
    case 'user':
      wire.content = typeof message.content === 'string' ? message.content : message.content.map(toWirePart);
      break;
    case 'assistant':
      if (message.toolCalls?.length) {
        // The OpenAI shape of a turn that only called tools is `content: null`; some servers refuse ''.
        wire.content = message.content === '' ? null : message.content;
        wire.tool_calls = message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
      } else wire.content = message.content;
      break;
    case 'tool':
      wire.tool_call_id = message.toolCallId;
      wire.content = message.content;
      break;
    default:
      wire.content = message.content;
  }
  if (message.name !== undefined) wire.name = message.name;
  return wire;
}

function toWireTool(tool: ToolDefinition): Record<string, unknown> {
  const fn: Record<string, unknown> = { name: tool.name };
  if (tool.description !== undefined) fn.description = tool.description;
  if (tool.parameters !== undefined) fn.parameters = tool.parameters;
  if (tool.strict !== undefined) fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

function toWireToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/**
 * Reasoning settings in the server's style: OpenAI and vLLM take `reasoning_effort`, which has no
 * budget (a budget is refused rather than dropped); OpenRouter-style servers take a `reasoning` object.
 * `exclude` needs no field in the effort style: the adapter leaves the reasoning text out itself.
 */
function reasoningFields(reasoning: ReasoningOptions, field: ReasoningField, model: string): Record<string, unknown> {
  if (field === 'reasoning') {
    const object: Record<string, unknown> = {};
    if (reasoning.effort !== undefined) object.effort = reasoning.effort;
    if (reasoning.maxTokens !== undefined) object.max_tokens = reasoning.maxTokens;
    if (reasoning.exclude !== undefined) object.exclude = reasoning.exclude;
    return { reasoning: object };
  }
  if (reasoning.maxTokens !== undefined) {
    throw new InvalidRequestError(
      'options.reasoning.maxTokens',
      'has no field on this backend: it sends reasoning as reasoning_effort (OpenAI, vLLM), which takes an effort, not a token budget. Use reasoning.effort, or set reasoningField: "reasoning" for a server that takes OpenRouter\'s reasoning object.',
      { model },
    );
  }
  return reasoning.effort === undefined ? {} : { reasoning_effort: reasoning.effort };
}

function toWireResponseFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type !== 'json_schema') return { type: format.type };
  const jsonSchema: Record<string, unknown> = { name: format.name ?? 'response', schema: format.schema };
  if (format.strict !== undefined) jsonSchema.strict = format.strict;
  return { type: 'json_schema', json_schema: jsonSchema };
}

/** The OpenAI chat fields for the typed call options (only those the caller set). */
function sampling(options: CallOptions, shaping: BodyShaping): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (options.maxTokens !== undefined) body[shaping.maxTokensField] = options.maxTokens;
  if (options.temperature !== undefined) body.temperature = options.temperature;
  if (options.topP !== undefined) body.top_p = options.topP;
  if (options.stop !== undefined) body.stop = typeof options.stop === 'string' ? options.stop : [...options.stop];
  if (options.seed !== undefined) body.seed = options.seed;
  if (options.presencePenalty !== undefined) body.presence_penalty = options.presencePenalty;
  if (options.frequencyPenalty !== undefined) body.frequency_penalty = options.frequencyPenalty;
  if (options.responseFormat !== undefined) body.response_format = toWireResponseFormat(options.responseFormat);
  if (options.user !== undefined) body.user = options.user;
  if (options.tools !== undefined) body.tools = options.tools.map(toWireTool);
  if (options.toolChoice !== undefined) body.tool_choice = toWireToolChoice(options.toolChoice);
  if (options.parallelToolCalls !== undefined) body.parallel_tool_calls = options.parallelToolCalls;
  if (options.reasoning !== undefined) Object.assign(body, reasoningFields(options.reasoning, shaping.reasoningField, options.model));
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
    ...sampling(options, shaping),
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
