import type { FinishReason, StreamPart, Usage } from '@router/core';

const finishReasons: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  error: 'error',
};

/** Maps the wire finish reason; a missing one is `unknown`, an unfamiliar one `other`. */
export function toFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === null || reason === undefined) return 'unknown';
  return finishReasons[reason] ?? 'other';
}

interface WireUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  /** OpenRouter and some gateways report the cost here. */
  cost?: unknown;
}

export function toUsage(usage: WireUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  const result: Usage = {};
  if (typeof usage.prompt_tokens === 'number') result.inputTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === 'number') result.outputTokens = usage.completion_tokens;
  if (typeof usage.total_tokens === 'number') result.totalTokens = usage.total_tokens;
  else if (result.inputTokens !== undefined && result.outputTokens !== undefined) result.totalTokens = result.inputTokens + result.outputTokens;
  if (typeof usage.cost === 'number') result.cost = usage.cost;
  return result;
}

/** The parts of a streamed chunk this adapter reads (the SDK's type, loosened for servers that omit fields). */
export interface WireChunk {
  model?: string;
  choices?: readonly { delta?: { content?: string | null } | null; finish_reason?: string | null }[] | null;
  usage?: WireUsage | null;
}

/**
 * Turns SDK chunks (or the promise of them, so the adapter needs no generator
 * of its own: one async layer less per chunk) into core's stream parts. The finish part is held back
 * until the stream ends, because usage may come in a later chunk. Once a
 * finish reason has arrived, later chunks only contribute usage: some
 * servers (mlx-omni-server) repeat the finish chunk, and its content must not
 * be counted twice. Usage is taken from the last chunk that carries it,
 * never summed.
 */
export async function* toStreamParts(
  chunks: AsyncIterable<WireChunk> | Promise<AsyncIterable<WireChunk>>,
): AsyncGenerator<StreamPart, void, undefined> {
  let finishReason: FinishReason | undefined;
  let usage: Usage | undefined;
  let model: string | undefined;
  for await (const chunk of await chunks) {
    if (chunk.model) model = chunk.model;
    if (chunk.usage) usage = toUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice || finishReason !== undefined) continue;
    const text = choice.delta?.content;
    if (text) yield { type: 'text', text };
    if (choice.finish_reason) finishReason = toFinishReason(choice.finish_reason);
  }
  // No finish reason: core reports an incomplete stream (or the abort that ended it).
  if (finishReason === undefined) return;
  const finish: StreamPart = { type: 'finish', finishReason };
  if (usage) finish.usage = usage;
  if (model) finish.model = model;
  yield finish;
}
