import type { Completion, FinishReason, ToolCall, Usage } from '@router/core';

/** The router's finish reasons in OpenAI's spelling (those OpenAI has no word for count as `stop`). */
const finishReasons: Readonly<Record<FinishReason, string>> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
  error: 'stop',
  other: 'stop',
  unknown: 'stop',
};

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
  cost?: number;
}

export function wireUsage(usage: Usage | undefined): WireUsage {
  const prompt = usage?.inputTokens ?? 0;
  const completion = usage?.outputTokens ?? 0;
  const wire: WireUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage?.totalTokens ?? prompt + completion };
  if (usage?.cachedInputTokens !== undefined) wire.prompt_tokens_details = { cached_tokens: usage.cachedInputTokens };
  if (usage?.reasoningTokens !== undefined) wire.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  if (usage?.cost !== undefined) wire.cost = usage.cost;
  return wire;
}

const roleField = '"role":"assistant",';

const seconds = (epochMs: number): number => Math.floor(epochMs / 1000);

interface WireMessage {
  role: 'assistant';
  content: string | null;
  refusal: null;
  /** Where this gateway puts reasoning text, as DeepSeek, vLLM and the AI SDK's openai-compatible provider read it. */
  reasoning_content?: string;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
}

/** The assistant message: its text (`null` when it only called tools, as OpenAI sends it), reasoning, and tool calls. */
function wireMessage(completion: Completion): WireMessage {
  const calls = completion.toolCalls;
  const hasCalls = calls !== undefined && calls.length > 0;
  const message: WireMessage = { role: 'assistant', content: hasCalls && completion.text === '' ? null : completion.text, refusal: null };
  if (completion.reasoning) message.reasoning_content = completion.reasoning;
  if (hasCalls) message.tool_calls = calls.map(wireToolCall);
  return message;
}

const wireToolCall = ({ id, name, arguments: args }: ToolCall): { id: string; type: 'function'; function: { name: string; arguments: string } } => ({
  id,
  type: 'function',
  function: { name, arguments: args },
});

/** The non-streamed `chat.completion` body. */
export function completionBody(id: string, completion: Completion): string {
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created: seconds(completion.timings.startedAt),
    model: completion.model,
    choices: [
      {
        index: 0,
        message: wireMessage(completion),
        logprobs: null,
        finish_reason: finishReasons[completion.finishReason] ?? 'stop',
      },
    ],
    usage: wireUsage(completion.usage),
  });
}

/**
 * Writes a stream's SSE events. The head of every chunk (`{"id":…,"choices":[`)
 * is built once per stream, so a text chunk costs one `JSON.stringify` of
 * its text and a concatenation.
 */
export class ChunkWriter {
  readonly #head: string;
  readonly #id: string;
  readonly #created: number;
  readonly #model: string;

  constructor(id: string, model: string, startedAt: number) {
    this.#id = id;
    this.#model = model;
    this.#created = seconds(startedAt);
    this.#head = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${this.#created},"model":${JSON.stringify(model)},"choices":[`;
  }

  /** The first event: the assistant role, as OpenAI sends it, with the first text. */
  first(text: string): string {
    return `${this.#head}{"index":0,"delta":{"role":"assistant","content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  text(text: string): string {
    return `${this.#head}{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  /** A reasoning delta; `first` adds the role, for a stream that opens with reasoning. */
  reasoning(text: string, first: boolean): string {
    return this.#delta(`${first ? roleField : ''}"reasoning_content":${JSON.stringify(text)}`);
  }

  /** A tool call's first delta: its index, id, type and name, with empty arguments (as OpenAI sends it). */
  toolCallStart(index: number, id: string, name: string, first: boolean): string {
    const call = `{"index":${index},"id":${JSON.stringify(id)},"type":"function","function":{"name":${JSON.stringify(name)},"arguments":""}}`;
    return this.#delta(`${first ? `${roleField}"content":null,` : ''}"tool_calls":[${call}]`);
  }

  /** A piece of a tool call's arguments. */
  toolCallArguments(index: number, fragment: string): string {
    return this.#delta(`"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(fragment)}}}]`);
  }

  #delta(fields: string): string {
    return `${this.#head}{"index":0,"delta":{${fields}},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  /** The finish chunk, the usage chunk when asked for, and `[DONE]`. */
  end(completion: Completion, includeUsage: boolean): string {
    const finish = finishReasons[completion.finishReason] ?? 'stop';
    let events = `${this.#head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finish}"}]}\n\n`;
    if (includeUsage) {
      events += `data: ${JSON.stringify({
        id: this.#id,
        object: 'chat.completion.chunk',
        created: this.#created,
        model: completion.model || this.#model,
        choices: [],
        usage: wireUsage(completion.usage),
      })}\n\n`;
    }
    return `${events}data: [DONE]\n\n`;
  }
}

/** One SSE event carrying an error, after which the stream closes (OpenAI's in-stream error). */
export function errorEvent(body: object): string {
  return `data: ${JSON.stringify(body)}\n\n`;
}
