/**
 * A reference OpenAI-compatible backend written with nothing but `fetch`.
 * Test-only: it proves the conformance suite against the simulator before
 * any real adapter uses it, and shows what the suite expects of one.
 */
import {
  BackendError,
  isRetryableStatus,
  parseRetryAfter,
  type Backend,
  type BackendCall,
  type BackendCapabilities,
  type FinishReason,
  type GenerateOutput,
  type Message,
  type StreamPart,
  type Usage,
} from '@router/core';
import { createBackend, toToolCall } from '@router/core/adapter';

export interface ReferenceBackendSettings {
  baseURL: string;
  apiKey?: string;
  name?: string;
  headers?: Record<string, string>;
  capabilities?: Partial<BackendCapabilities>;
  /** How reasoning settings go out: OpenAI's `reasoning_effort` (default) or OpenRouter's `reasoning` object. */
  reasoningField?: 'reasoning_effort' | 'reasoning';
}

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  cost?: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

interface WireToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/** A message or a delta: text, reasoning under either name, tool calls. */
interface WireMessage {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: WireToolCall[];
}

interface WireChoice {
  message?: WireMessage;
  delta?: WireMessage;
  finish_reason?: string | null;
}

interface WireCompletion {
  model?: string;
  choices?: WireChoice[];
  usage?: WireUsage;
  /** OpenRouter reports failures inside a 200 stream this way. */
  error?: { code?: number | string; message?: string };
}

export function createReferenceBackend(settings: ReferenceBackendSettings): Backend {
  const name = settings.name ?? 'reference';
  const baseURL = settings.baseURL.replace(/\/+$/, '');

  async function post(path: string, body: unknown, call: Pick<BackendCall, 'signal' | 'options'>): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...settings.headers, ...call.options.headers };
    if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
    let response: Response;
    try {
      response = await fetch(`${baseURL}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal: call.signal });
    } catch (error) {
      // When the signal fired, createBackend reports the abort or timeout instead of this.
      throw new BackendError(`${name}: could not reach ${baseURL}.`, { isRetryable: true, url: baseURL, cause: error });
    }
    if (!response.ok) throw await httpError(response);
    return response;
  }

  async function httpError(response: Response): Promise<BackendError> {
    const responseBody = (await response.text().catch(() => '')).slice(0, 2000);
    return new BackendError(`${name}: HTTP ${response.status}: ${errorMessage(responseBody) || response.statusText}`, {
      status: response.status,
      isRetryable: isRetryableStatus(response.status),
      retryAfterMs: parseRetryAfter(response.headers),
      responseBody,
      url: baseURL,
    });
  }

  return createBackend({
    name,
    capabilities: settings.capabilities,

    async generate(call): Promise<GenerateOutput> {
      const response = await post('/chat/completions', chatBody(call, false, settings.reasoningField), call);
      const json = (await response.json()) as WireCompletion;
      const choice = json.choices?.[0];
      const message = choice?.message;
      const output: GenerateOutput = { text: message?.content ?? '', finishReason: finishReason(choice?.finish_reason) };
      const reasoning = message?.reasoning_content ?? message?.reasoning;
      if (reasoning) output.reasoning = reasoning;
      const calls = message?.tool_calls?.map((call) => toToolCall(call.id ?? '', call.function?.name ?? '', call.function?.arguments ?? ''));
      if (calls?.length) output.toolCalls = calls;
      if (json.model) output.model = json.model;
      if (json.usage) output.usage = usage(json.usage);
      return output;
    },

    async *stream(call): AsyncGenerator<StreamPart> {
      const response = await post('/chat/completions', chatBody(call, true, settings.reasoningField), call);
      let finish: FinishReason | undefined;
      let served: string | undefined;
      let reported: Usage | undefined;
      for await (const data of serverSentData(response)) {
        if (data === '[DONE]') break;
        const chunk = parseChunk(data);
        if (chunk.error) throw inStreamError(chunk.error);
        served ??= chunk.model;
        if (chunk.usage) reported = usage(chunk.usage);
        const choice = chunk.choices?.[0];
        const delta = choice?.delta;
        const reasoning = delta?.reasoning_content ?? delta?.reasoning;
        if (reasoning) yield { type: 'reasoning', text: reasoning };
        const text = delta?.content;
        if (text) yield { type: 'text', text };
        for (const call of delta?.tool_calls ?? []) {
          const index = call.index ?? 0;
          if (call.id || call.function?.name) yield { type: 'tool-call-start', index, id: call.id ?? '', name: call.function?.name ?? '' };
          if (call.function?.arguments) yield { type: 'tool-call-delta', index, argumentsDelta: call.function.arguments };
        }
        // mlx repeats the finish reason in its usage chunk; the first one is as good as the last.
        if (choice?.finish_reason) finish = finishReason(choice.finish_reason);
      }
      // Without a finish reason the response is incomplete: yield no finish part and createBackend says so.
      if (finish) yield { type: 'finish', finishReason: finish, model: served, usage: reported };
    },

    async embed(call) {
      const body: Record<string, unknown> = { model: call.options.model, input: call.input, ...call.options.extraBody };
      if (call.options.dimensions !== undefined) body.dimensions = call.options.dimensions;
      const response = await post('/embeddings', body, call);
      const json = (await response.json()) as { model?: string; data?: { embedding: number[]; index: number }[]; usage?: WireUsage };
      const data = [...(json.data ?? [])].sort((a, b) => a.index - b.index);
      return { embeddings: data.map((item) => item.embedding), model: json.model, usage: json.usage && usage(json.usage) };
    },
  });

  function inStreamError(error: NonNullable<WireCompletion['error']>): BackendError {
    const status = typeof error.code === 'number' ? error.code : undefined;
    return new BackendError(`${name}: the service reported an error mid-stream: ${error.message ?? 'unknown error'}`, {
      status,
      isRetryable: status !== undefined && isRetryableStatus(status),
      url: baseURL,
    });
  }

  function parseChunk(data: string): WireCompletion {
    try {
      return JSON.parse(data) as WireCompletion;
    } catch (error) {
      throw new BackendError(`${name}: the stream sent an event that is not JSON.`, { url: baseURL, cause: error });
    }
  }
}

function chatBody(call: BackendCall, stream: boolean, reasoningField: ReferenceBackendSettings['reasoningField']): Record<string, unknown> {
  const { options } = call;
  const body: Record<string, unknown> = {
    model: options.model,
    messages: call.messages.map(wireMessage),
    stream,
    max_tokens: options.maxTokens,
    temperature: options.temperature,
    top_p: options.topP,
    stop: options.stop,
    seed: options.seed,
    presence_penalty: options.presencePenalty,
    frequency_penalty: options.frequencyPenalty,
    user: options.user,
    response_format: responseFormat(options.responseFormat),
  };
  if (options.tools?.length) {
    body.tools = options.tools.map(({ name, description, parameters, strict }) => ({ type: 'function', function: { name, description, parameters, strict } }));
    const choice = options.toolChoice;
    body.tool_choice = typeof choice === 'object' ? { type: 'function', function: { name: choice.name } } : choice;
    body.parallel_tool_calls = options.parallelToolCalls;
  }
  const { reasoning } = options;
  if (reasoning && reasoningField === 'reasoning') body.reasoning = { effort: reasoning.effort, max_tokens: reasoning.maxTokens, exclude: reasoning.exclude };
  else if (reasoning) body.reasoning_effort = reasoning.effort;
  if (stream) body.stream_options = { include_usage: true };
  // JSON.stringify drops the undefined fields.
  return { ...body, ...options.extraBody };
}

function wireMessage(message: Message): Record<string, unknown> {
  const name = message.name === undefined ? {} : { name: message.name };
  switch (message.role) {
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content, ...name };
    case 'assistant': {
      const calls = message.toolCalls?.map(({ id, name: fn, arguments: args }) => ({ id, type: 'function', function: { name: fn, arguments: args } }));
      return calls?.length ? { role: 'assistant', content: message.content || null, tool_calls: calls, ...name } : { role: 'assistant', content: message.content, ...name };
    }
    case 'user':
      return { role: 'user', content: typeof message.content === 'string' ? message.content : message.content.map(wirePart), ...name };
    default:
      return { role: message.role, content: message.content, ...name };
  }
}

function wirePart(part: Exclude<Message['content'], string>[number]): Record<string, unknown> {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const { image } = part;
  const url = image instanceof Uint8Array ? `data:${part.mediaType};base64,${Buffer.from(image).toString('base64')}` : String(image);
  return { type: 'image_url', image_url: part.detail === undefined ? { url } : { url, detail: part.detail } };
}

function responseFormat(format: BackendCall['options']['responseFormat']): unknown {
  if (format?.type !== 'json_schema') return format;
  return { type: 'json_schema', json_schema: { name: format.name ?? 'response', schema: format.schema, strict: format.strict } };
}

const finishReasons: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  error: 'error',
};

function finishReason(wire: string | null | undefined): FinishReason {
  if (wire === null || wire === undefined) return 'unknown';
  return finishReasons[wire] ?? 'other';
}

function usage(wire: WireUsage): Usage {
  const result: Usage = {};
  if (wire.prompt_tokens !== undefined) result.inputTokens = wire.prompt_tokens;
  if (wire.completion_tokens !== undefined) result.outputTokens = wire.completion_tokens;
  if (wire.total_tokens !== undefined) result.totalTokens = wire.total_tokens;
  if (wire.cost !== undefined) result.cost = wire.cost;
  const reasoning = wire.completion_tokens_details?.reasoning_tokens;
  if (reasoning !== undefined) result.reasoningTokens = reasoning;
  const cached = wire.prompt_tokens_details?.cached_tokens;
  if (cached !== undefined) result.cachedInputTokens = cached;
  return result;
}

/** The message of the error shapes the dialects use: `{error:{message}}`, `{error:"..."}`, `{detail:[...]}`, plain text. */
function errorMessage(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: { message?: string } | string; detail?: unknown };
    if (typeof json.error === 'string') return json.error;
    if (json.error?.message) return json.error.message;
    if (json.detail !== undefined) return JSON.stringify(json.detail);
  } catch {
    // Not JSON: the text is the message.
  }
  return body.trim();
}

/**
 * The `data` of each server-sent event, in order. One streaming decoder for the
 * whole response, so a read that ends inside a UTF-8 character, a line, or
 * between `\r` and `\n` loses nothing. Comment lines are skipped.
 */
async function* serverSentData(response: Response): AsyncGenerator<string> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  try {
    while (true) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let end: number;
      // A trailing '\r' may be the first half of '\r\n': wait for the next read unless this is the last.
      while ((end = lineEnd(buffer, done)) !== -1) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(buffer.startsWith('\r\n', end) ? end + 2 : end + 1);
        if (line === '') {
          if (data.length > 0) yield data.join('\n');
          data = [];
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }
      }
      if (done) break;
    }
    // A last event the server did not terminate with a blank line still counts.
    if (buffer.startsWith('data:')) data.push(buffer.slice(buffer.startsWith('data: ') ? 6 : 5));
    if (data.length > 0) yield data.join('\n');
  } finally {
    // Leaving early (abort, error, consumer gone) must release the socket.
    await reader.cancel().catch(() => undefined);
  }
}

function lineEnd(buffer: string, final: boolean): number {
  const lf = buffer.indexOf('\n');
  const cr = buffer.indexOf('\r');
  if (cr === -1 || (lf !== -1 && lf < cr)) return lf;
  if (cr === buffer.length - 1 && !final) return -1;
  return cr;
}
