import { InvalidRequestError } from './errors.ts';
import type { CallOptions, EmbedOptions, Message } from './types.ts';

const roles: ReadonlySet<string> = new Set(['system', 'user', 'assistant']);

function checkBase(options: { model?: unknown; timeoutMs?: unknown; deadline?: unknown; extraBody?: unknown } | undefined): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidRequestError('options', 'must be an object with at least a `model`.');
  }
  if (typeof options.model !== 'string' || options.model.trim() === '') {
    throw new InvalidRequestError('options.model', 'is required: a non-empty model id string.');
  }
  const { model } = options;
  if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === 'number' && options.timeoutMs > 0)) {
    throw new InvalidRequestError('options.timeoutMs', `must be a positive number of milliseconds (got ${String(options.timeoutMs)}).`, { model });
  }
  if (options.deadline !== undefined && !(typeof options.deadline === 'number' && Number.isFinite(options.deadline))) {
    throw new InvalidRequestError('options.deadline', 'must be an epoch time in milliseconds.', { model });
  }
  if (options.extraBody !== undefined && (options.extraBody === null || typeof options.extraBody !== 'object' || Array.isArray(options.extraBody))) {
    throw new InvalidRequestError('options.extraBody', 'must be a plain object.', { model });
  }
}

function checkPositiveNumber(field: string, value: unknown, model: string): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new InvalidRequestError(field, `must be a positive number (got ${String(value)}).`, { model });
  }
}

/** Rejects bad input before any backend is called, naming the field at fault. */
export function validateCall(messages: readonly Message[], options: CallOptions): void {
  checkBase(options);
  const { model } = options;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidRequestError('messages', 'must be a non-empty array of { role, content }.', { model });
  }
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as Partial<Message> | null | undefined;
    if (message === null || typeof message !== 'object') {
      throw new InvalidRequestError(`messages[${i}]`, 'must be an object { role, content }.', { model });
    }
    if (typeof message.role !== 'string' || !roles.has(message.role)) {
      throw new InvalidRequestError(`messages[${i}].role`, `must be "system", "user" or "assistant" (got ${JSON.stringify(message.role)}).`, { model });
    }
    if (typeof message.content !== 'string') {
      throw new InvalidRequestError(`messages[${i}].content`, `must be a string (got ${message.content === null ? 'null' : typeof message.content}).`, { model });
    }
  }
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
}

/** Rejects an empty or non-string embedding input before any backend is called. */
export function validateEmbed(input: string | readonly string[], options: EmbedOptions): void {
  checkBase(options);
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
