import type { StreamShape } from './dialects/index.ts';

/** Token counts of a completion, plus dialect extras (OpenRouter's cost). */
export type UsageObject = { prompt_tokens: number; completion_tokens: number; total_tokens: number } & Record<string, unknown>;

/**
 * Encodes the chunks of one streamed completion. The parts that never change (id, model, created,
 * dialect fields) are serialised once; each content chunk then costs one `JSON.stringify` of its text.
 */
export class ChunkEncoder {
  readonly #head: string;
  readonly #shape: StreamShape;
  readonly #role: string;

  constructor(shape: StreamShape, fields: { id: string; created: number; model: string; extra?: Record<string, unknown> }) {
    this.#shape = shape;
    const extra = fields.extra ? Object.entries(fields.extra).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('') : '';
    this.#head =
      `{"id":${JSON.stringify(fields.id)},"object":"chat.completion.chunk","created":${fields.created},` +
      `"model":${JSON.stringify(fields.model)}${extra},"choices":`;
    this.#role = shape.roleInEveryDelta ? '"role":"assistant",' : '';
  }

  /** OpenAI's opening chunk: the role with empty content. */
  roleChunk(): string {
    return `${this.#head}[{"index":0,"delta":{"role":"assistant","content":""}${this.#nullFinish()}}]}`;
  }

  content(text: string): string {
    return `${this.#head}[{"index":0,"delta":{${this.#role}"content":${JSON.stringify(text)}}${this.#nullFinish()}}]}`;
  }

  /** A delta with other fields than content (reasoning, tool calls), given as an object. */
  delta(fields: Record<string, unknown>): string {
    return `${this.#head}[{"index":0,"delta":{${this.#role}${JSON.stringify(fields).slice(1, -1)}}${this.#nullFinish()}}]}`;
  }

  finish(reason: string): string {
    return `${this.#head}[${this.#finishChoice(reason)}]}`;
  }

  /** The usage chunk: `choices: []`, or the finish choice again (mlx-omni-server). */
  usage(usage: UsageObject, reason: string): string {
    const choices = this.#shape.usageChoices === 'repeat-finish' ? this.#finishChoice(reason) : '';
    return `${this.#head}[${choices}],"usage":${JSON.stringify(usage)}}`;
  }

  /** An in-stream error: the dialect's own event, else OpenRouter's (a top-level `error` and `finish_reason: "error"`). */
  error(code: number | string, message: string): string {
    if (this.#shape.errorEvent) return JSON.stringify(this.#shape.errorEvent(code, message));
    const error = JSON.stringify({ code, message });
    return `${this.#head}[{"index":0,"delta":{${this.#role}"content":""},"finish_reason":"error"}],"error":${error}}`;
  }

  #finishChoice(reason: string): string {
    const delta = this.#shape.roleInEveryDelta ? '{"role":"assistant","content":""}' : '{}';
    return `{"index":0,"delta":${delta},"finish_reason":${JSON.stringify(reason)}}`;
  }

  #nullFinish(): string {
    return this.#shape.omitNullFinishReason ? '' : ',"finish_reason":null';
  }
}
