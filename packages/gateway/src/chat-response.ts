import type { Completion, FinishReason, Usage } from '@router/core';

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
  cost?: number;
}

export function wireUsage(usage: Usage | undefined): WireUsage {
  const prompt = usage?.inputTokens ?? 0;
  const completion = usage?.outputTokens ?? 0;
  const wire: WireUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage?.totalTokens ?? prompt + completion };
  if (usage?.cost !== undefined) wire.cost = usage.cost;
  return wire;
}

const seconds = (epochMs: number): number => Math.floor(epochMs / 1000);

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
        message: { role: 'assistant', content: completion.text, refusal: null },
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
