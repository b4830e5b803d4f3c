import type { DialectDefinition } from './dialects/index.ts';
import { checkMessages } from './request-messages.ts';
import { checkToolFields, type ToolFields } from './request-tools.ts';
import type { SimError } from './sim-error.ts';
import type { TextMessage } from './text.ts';

/** A validated chat completion request. */
export interface ChatRequest extends ToolFields {
  /** The model that answers (OpenRouter: the first of `models` when given). */
  model: string;
  messages: TextMessage[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  responseFormat: unknown;
  body: Record<string, unknown>;
}

/** A validated embeddings request. */
export interface EmbeddingsRequest {
  model: string;
  inputs: string[];
  dimensions: number | undefined;
  base64: boolean;
  body: Record<string, unknown>;
}

type Invalid = { invalid: SimError };

function invalid(dialect: DialectDefinition, field: string, message: string): Invalid {
  return { invalid: { status: dialect.validationStatus, message: `${field}: ${message}`, type: 'invalid_request_error', field } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isPositiveInteger = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1;

/** Checks a body that is not JSON or not an object. */
export function checkJsonObject(dialect: DialectDefinition, body: unknown, parsed: boolean): Invalid | undefined {
  if (!parsed) return invalid(dialect, 'body', 'must be valid JSON');
  if (!isRecord(body)) return invalid(dialect, 'body', 'must be a JSON object');
  return undefined;
}

export function parseChatRequest(dialect: DialectDefinition, body: Record<string, unknown>): ChatRequest | Invalid {
  // OpenRouter accepts `models` (a fallback list) in place of `model`.
  const takesModels = dialect.acceptsModelsList && body.models !== undefined;
  if (takesModels) {
    const models = body.models;
    if (!Array.isArray(models) || models.length === 0 || !models.every((m) => typeof m === 'string' && m !== '')) {
      return invalid(dialect, 'models', 'must be a non-empty array of model ids');
    }
  }
  const modelGiven = typeof body.model === 'string' && body.model !== '';
  if (!modelGiven && !(takesModels && body.model === undefined)) {
    return invalid(dialect, 'model', 'required, a non-empty string');
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return invalid(dialect, 'messages', 'required, a non-empty array');
  }
  const checked = checkMessages(body.messages);
  if ('field' in checked) return invalid(dialect, checked.field, checked.message);
  const toolFields = checkToolFields(body);
  if ('field' in toolFields) return invalid(dialect, toolFields.field, toolFields.message);
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    return invalid(dialect, 'stream', 'must be a boolean');
  }
  let maxTokens: number | undefined;
  for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (!isPositiveInteger(value)) return invalid(dialect, field, 'must be an integer >= 1');
    maxTokens = Math.min(maxTokens ?? value, value);
  }
  const responseFormat = body.response_format;
  if (responseFormat !== undefined && responseFormat !== null) {
    const type = isRecord(responseFormat) ? responseFormat.type : undefined;
    if (type !== 'text' && type !== 'json_object' && type !== 'json_schema') {
      return invalid(dialect, 'response_format.type', 'must be "text", "json_object" or "json_schema"');
    }
  }
  const streamOptions = body.stream_options;
  const served = dialect.servedModel(body);
  return {
    model: served,
    messages: checked.messages,
    stream: body.stream === true,
    includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
    maxTokens: maxTokens ?? dialect.defaultMaxTokens,
    responseFormat,
    body,
    ...toolFields,
  };
}

export function parseEmbeddingsRequest(dialect: DialectDefinition, body: Record<string, unknown>): EmbeddingsRequest | Invalid {
  if (typeof body.model !== 'string' || body.model === '') return invalid(dialect, 'model', 'required, a non-empty string');
  const input = body.input;
  let inputs: string[];
  if (typeof input === 'string') inputs = [input];
  else if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string')) inputs = input as string[];
  else if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'number')) inputs = [input.join(' ')];
  else if (Array.isArray(input) && input.length > 0 && input.every((item) => Array.isArray(item))) {
    inputs = input.map((tokens: unknown[]) => tokens.join(' '));
  } else return invalid(dialect, 'input', 'required: a string, a non-empty array of strings, or token arrays');
  const dimensions = body.dimensions;
  if (dimensions !== undefined && dimensions !== null && !isPositiveInteger(dimensions)) {
    return invalid(dialect, 'dimensions', 'must be an integer >= 1');
  }
  const format = body.encoding_format;
  if (format !== undefined && format !== null && format !== 'float' && format !== 'base64') {
    return invalid(dialect, 'encoding_format', 'must be "float" or "base64"');
  }
  return { model: body.model, inputs, dimensions: dimensions ?? undefined, base64: format === 'base64', body };
}
