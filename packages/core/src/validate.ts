import { InvalidRequestError } from './errors.ts';
import { validateOptions } from './validate-options.ts';
import type { CallOptions, EmbedOptions, Message } from './types.ts';

const roles: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);
const efforts: ReadonlySet<string> = new Set(['minimal', 'low', 'medium', 'high']);
const toolChoices: ReadonlySet<string> = new Set(['auto', 'none', 'required']);
/** Tool names as the OpenAI API accepts them (and so every compatible server). */
const toolName = /^[a-zA-Z0-9_-]{1,64}$/;
const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function checkPositiveNumber(field: string, value: unknown, model: string): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new InvalidRequestError(field, `must be a positive number (got ${String(value)}).`, { model });
  }
}

/** Rejects bad input before any backend is called, naming the field at fault. */
export function validateCall(messages: readonly Message[], options: CallOptions): void {
  validateOptions(options);
  const { model } = options;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidRequestError('messages', 'must be a non-empty array of { role, content }.', { model });
  }
  const toolCallIds = new Set<string>();
  for (let i = 0; i < messages.length; i++) checkMessage(messages[i], `messages[${i}]`, toolCallIds, model);
  const { temperature, maxTokens, topP } = options;
  if (temperature !== undefined && !(typeof temperature === 'number' && Number.isFinite(temperature) && temperature >= 0 && temperature <= 2)) {
    throw new InvalidRequestError('options.temperature', `must be a finite number from 0 to 2 (got ${String(temperature)}).`, { model });
  }
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 0)) {
    throw new InvalidRequestError('options.maxTokens', `must be a positive integer (got ${String(maxTokens)}).`, { model });
  }
  if (topP !== undefined && !(typeof topP === 'number' && topP > 0 && topP <= 1)) {
    throw new InvalidRequestError('options.topP', `must be a number in (0, 1] (got ${String(topP)}).`, { model });
  }
  checkPositiveNumber('options.firstChunkTimeoutMs', options.firstChunkTimeoutMs, model);
  checkPositiveNumber('options.idleTimeoutMs', options.idleTimeoutMs, model);
  checkTools(options, model);
  const { reasoning } = options;
  if (reasoning !== undefined) {
    if (!isPlainObject(reasoning)) throw new InvalidRequestError('options.reasoning', 'must be an object { effort?, maxTokens?, exclude? }.', { model });
    if (reasoning.effort !== undefined && !efforts.has(String(reasoning.effort))) {
      throw new InvalidRequestError('options.reasoning.effort', `must be "minimal", "low", "medium" or "high" (got ${JSON.stringify(reasoning.effort)}).`, { model });
    }
    if (reasoning.maxTokens !== undefined && !(Number.isInteger(reasoning.maxTokens) && Number(reasoning.maxTokens) > 0)) {
      throw new InvalidRequestError('options.reasoning.maxTokens', `must be a positive integer (got ${String(reasoning.maxTokens)}).`, { model });
    }
  }
}

type Loose<T> = { [K in keyof T]?: unknown };

function checkMessage(raw: unknown, at: string, toolCallIds: Set<string>, model: string): void {
  if (!isPlainObject(raw)) throw new InvalidRequestError(at, 'must be an object { role, content }.', { model });
  const message = raw as Loose<Message> & Record<string, unknown>;
  if (typeof message.role !== 'string' || !roles.has(message.role)) {
    throw new InvalidRequestError(`${at}.role`, `must be "system", "user", "assistant" or "tool" (got ${JSON.stringify(message.role)}).`, { model });
  }
  const { content } = message;
  if (message.role === 'user' && Array.isArray(content)) {
    if (content.length === 0) throw new InvalidRequestError(`${at}.content`, 'must not be an empty list of parts.', { model });
    content.forEach((part: unknown, index) => checkPart(part, `${at}.content[${index}]`, model));
  } else if (typeof content !== 'string') {
    const allowed = message.role === 'user' ? 'a string or a list of text and image parts' : 'a string';
    throw new InvalidRequestError(`${at}.content`, `must be ${allowed} (got ${content === null ? 'null' : Array.isArray(content) ? 'a list' : typeof content}).`, { model });
  }
  if (message.role === 'assistant' && message.toolCalls !== undefined) {
    if (!Array.isArray(message.toolCalls)) throw new InvalidRequestError(`${at}.toolCalls`, 'must be a list of { id, name, arguments }.', { model });
    message.toolCalls.forEach((call: unknown, index) => {
      const where = `${at}.toolCalls[${index}]`;
      if (!isPlainObject(call)) throw new InvalidRequestError(where, 'must be an object { id, name, arguments }.', { model });
      if (typeof call.id !== 'string' || call.id === '') throw new InvalidRequestError(`${where}.id`, 'must be a non-empty string.', { model });
      if (typeof call.name !== 'string' || call.name === '') throw new InvalidRequestError(`${where}.name`, 'must be a non-empty string.', { model });
      if (typeof call.arguments !== 'string') throw new InvalidRequestError(`${where}.arguments`, 'must be the arguments as a JSON string.', { model });
      toolCallIds.add(call.id);
    });
  } else if (message.toolCalls !== undefined) {
    throw new InvalidRequestError(`${at}.toolCalls`, 'is only for assistant messages.', { model });
  }
  if (message.role === 'tool') {
    const id = message.toolCallId;
    if (typeof id !== 'string' || id === '') throw new InvalidRequestError(`${at}.toolCallId`, 'is required: the id of the tool call this message answers.', { model });
    if (!toolCallIds.has(id)) {
      throw new InvalidRequestError(`${at}.toolCallId`, `"${id}" answers no tool call an earlier assistant message made.`, { model });
    }
  }
}

function checkPart(raw: unknown, at: string, model: string): void {
  if (!isPlainObject(raw)) throw new InvalidRequestError(at, 'must be a part { type: "text", text } or { type: "image", image }.', { model });
  if (raw.type === 'text') {
    if (typeof raw.text !== 'string') throw new InvalidRequestError(`${at}.text`, 'must be a string.', { model });
    return;
  }
  if (raw.type !== 'image') throw new InvalidRequestError(`${at}.type`, `must be "text" or "image" (got ${JSON.stringify(raw.type)}).`, { model });
  const { image, mediaType } = raw;
  if (mediaType !== undefined && (typeof mediaType !== 'string' || !mediaType.startsWith('image/'))) {
    throw new InvalidRequestError(`${at}.mediaType`, `must be an image media type such as "image/png" (got ${JSON.stringify(mediaType)}).`, { model });
  }
  if (image instanceof Uint8Array) {
    if (mediaType === undefined) throw new InvalidRequestError(`${at}.mediaType`, 'is required for image bytes (e.g. "image/png").', { model });
    if (image.byteLength === 0) throw new InvalidRequestError(`${at}.image`, 'must not be empty.', { model });
    return;
  }
  const url = image instanceof URL ? image.href : image;
  if (typeof url !== 'string') throw new InvalidRequestError(`${at}.image`, 'must be an https: URL, a data: URL, or bytes (Uint8Array) with a mediaType.', { model });
  if (url.startsWith('data:')) {
    if (!/^data:image\/[\w.+-]+;base64,/.test(url)) throw new InvalidRequestError(`${at}.image`, 'must be a base64 data URL of an image (data:image/png;base64,...).', { model });
    return;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== 'https:' && parsed?.protocol !== 'http:') {
    throw new InvalidRequestError(`${at}.image`, 'must be an https: URL, a data: URL, or bytes (Uint8Array) with a mediaType.', { model });
  }
}

function checkTools(options: CallOptions, model: string): void {
  const { tools, toolChoice, parallelToolCalls } = options;
  const names = new Set<string>();
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw new InvalidRequestError('options.tools', 'must be a list of { name, description?, parameters? }.', { model });
    tools.forEach((tool: unknown, index) => {
      const at = `options.tools[${index}]`;
      if (!isPlainObject(tool)) throw new InvalidRequestError(at, 'must be an object { name, description?, parameters? }.', { model });
      if (typeof tool.name !== 'string' || !toolName.test(tool.name)) {
        throw new InvalidRequestError(`${at}.name`, `must be 1 to 64 letters, digits, _ or - (got ${JSON.stringify(tool.name)}).`, { model });
      }
      if (names.has(tool.name)) throw new InvalidRequestError(`${at}.name`, `"${tool.name}" is offered twice.`, { model });
      names.add(tool.name);
      if (tool.description !== undefined && typeof tool.description !== 'string') throw new InvalidRequestError(`${at}.description`, 'must be a string.', { model });
      if (tool.parameters !== undefined && !isPlainObject(tool.parameters)) {
        throw new InvalidRequestError(`${at}.parameters`, 'must be a JSON Schema object ({ type: "object", properties: {...} }).', { model });
      }
    });
  }
  if (toolChoice !== undefined) {
    if (typeof toolChoice === 'string') {
      if (!toolChoices.has(toolChoice)) throw new InvalidRequestError('options.toolChoice', `must be "auto", "none", "required" or { name } (got ${JSON.stringify(toolChoice)}).`, { model });
    } else if (!isPlainObject(toolChoice) || typeof toolChoice.name !== 'string') {
      throw new InvalidRequestError('options.toolChoice', 'must be "auto", "none", "required" or { name }.', { model });
    } else if (!names.has(toolChoice.name)) {
      throw new InvalidRequestError('options.toolChoice.name', `"${toolChoice.name}" is not one of options.tools.`, { model });
    }
    if (toolChoice !== 'none' && names.size === 0) throw new InvalidRequestError('options.toolChoice', 'needs options.tools.', { model });
  }
  if (parallelToolCalls !== undefined && typeof parallelToolCalls !== 'boolean') {
    throw new InvalidRequestError('options.parallelToolCalls', 'must be a boolean.', { model });
  }
}

/** Rejects an empty or non-string embedding input before any backend is called. */
export function validateEmbed(input: string | readonly string[], options: EmbedOptions): void {
  validateOptions(options);
  const { model } = options;
  if (typeof input === 'string') {
    if (input.length === 0) throw new InvalidRequestError('input', 'must not be an empty string.', { model });
    return;
  }
  if (!Array.isArray(input) || input.length === 0) {
    throw new InvalidRequestError('input', 'must be a non-empty string or a non-empty array of strings.', { model });
  }
  for (let i = 0; i < input.length; i++) {
    if (typeof input[i] !== 'string' || input[i] === '') {
      throw new InvalidRequestError(`input[${i}]`, 'must be a non-empty string.', { model });
    }
  }
  if (options.dimensions !== undefined && !(Number.isInteger(options.dimensions) && options.dimensions > 0)) {
    throw new InvalidRequestError('options.dimensions', `must be a positive integer (got ${String(options.dimensions)}).`, { model });
  }
}
