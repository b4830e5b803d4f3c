import { Buffer } from 'node:buffer';
import type { EmbedOptions, Embeddings } from '@router/core';
import { extraFields, requireModel } from './chat-request.ts';
import type { JsonObject } from './json.ts';
import { badField } from './errors.ts';

export interface EmbeddingsRequest {
  input: string | string[];
  options: EmbedOptions;
  encoding: 'float' | 'base64';
}

const consumed: ReadonlySet<string> = new Set(['model', 'input', 'encoding_format', 'dimensions']);

function readInput(value: unknown): string | string[] {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) return value as string[];
  throw badField('input', 'must be a non-empty string or a non-empty array of strings (token arrays are not supported).');
}

/** Reads an embeddings body, naming the first bad field in a 400. */
export function readEmbeddingsRequest(body: JsonObject): EmbeddingsRequest {
  const model = requireModel(body);
  const input = readInput(body.input);
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') throw badField('encoding_format', 'must be "float" or "base64".');
  const options: EmbedOptions = { model };
  const { dimensions } = body;
  if (dimensions !== undefined && dimensions !== null) {
    if (!(typeof dimensions === 'number' && Number.isInteger(dimensions) && dimensions > 0)) throw badField('dimensions', 'must be a positive integer.');
    options.dimensions = dimensions;
  }
  const extra = extraFields(body, consumed);
  if (extra !== undefined) options.extraBody = extra;
  return { input, options, encoding: format };
}

/** A vector as OpenAI's base64: little-endian float32 bytes. */
function toBase64(vector: readonly number[]): string {
  const floats = Float32Array.from(vector);
  const bytes = new Uint8Array(floats.buffer);
  // Float32Array uses the platform's byte order; every platform Node runs on is little-endian.
  return Buffer.from(bytes).toString('base64');
}

/** The OpenAI embeddings response body. */
export function embeddingsBody(result: Embeddings, encoding: 'float' | 'base64'): string {
  const data = result.embeddings.map((vector, index) => ({
    object: 'embedding',
    index,
    embedding: encoding === 'base64' ? toBase64(vector) : vector,
  }));
  const promptTokens = result.usage?.inputTokens ?? 0;
  return JSON.stringify({
    object: 'list',
    data,
    model: result.model,
    usage: { prompt_tokens: promptTokens, total_tokens: result.usage?.totalTokens ?? promptTokens },
  });
}
