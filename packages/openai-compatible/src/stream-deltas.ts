import type { StreamPart } from '@router/core';

/** One tool call's piece in a streamed delta, loosened for servers that omit fields. */
export interface WireToolCallDelta {
  index?: number;
  id?: string | null;
  type?: string;
  function?: { name?: string | null; arguments?: unknown } | null;
}

/** A streamed delta: text, reasoning under either name, and tool-call pieces. */
export interface WireDelta {
  content?: string | null;
  /** DeepSeek, older vLLM. */
  reasoning_content?: string | null;
  /** OpenRouter, newer vLLM, mlx_lm.server. */
  reasoning?: string | null;
  tool_calls?: readonly WireToolCallDelta[] | null;
}

/**
 * A tool call's arguments as text. A few servers send an object instead of the JSON string the
 * OpenAI wire has; it is written back as JSON rather than lost.
 */
export function argumentsText(args: unknown): string {
  if (typeof args === 'string') return args;
  return args === null || args === undefined ? '' : JSON.stringify(args);
}

/** The id a tool call gets when its server sends none, so a tool result can still answer it. */
export function fallbackToolCallId(index: number): string {
  return `call_${index}`;
}

/** The reasoning text of a message or delta: `reasoning_content` or `reasoning` (servers that send both send the same text). */
export function reasoningOf(message: WireDelta): string | undefined {
  const text = message.reasoning_content ?? message.reasoning;
  return typeof text === 'string' && text !== '' ? text : undefined;
}

/**
 * Turns the non-text fields of streamed deltas into stream parts, in the
 * order reasoning, text, tool calls. A tool call is announced
 * (`tool-call-start`) when its id or name first appears, and again only if
 * a later delta brings a different one: servers that repeat the id on every
 * delta announce it once, servers that send the name after some arguments
 * announce it when it comes. Core assembles the calls by index.
 */
export class DeltaParts {
  readonly #announced = new Map<number, { id: string; name: string }>();
  readonly #keepReasoning: boolean;

  constructor(keepReasoning: boolean) {
    this.#keepReasoning = keepReasoning;
  }

  /** Whether a delta needs this slower path (it carries more than text). */
  static carriesMore(delta: WireDelta): boolean {
    return Boolean(delta.reasoning_content || delta.reasoning || delta.tool_calls?.length);
  }

  partsOf(delta: WireDelta): StreamPart[] {
    const parts: StreamPart[] = [];
    const reasoning = this.#keepReasoning ? reasoningOf(delta) : undefined;
    if (reasoning !== undefined) parts.push({ type: 'reasoning', text: reasoning });
    if (delta.content) parts.push({ type: 'text', text: delta.content });
    const calls = delta.tool_calls ?? [];
    for (let position = 0; position < calls.length; position++) this.#toolCallParts(calls[position]!, position, parts);
    return parts;
  }

  #toolCallParts(call: WireToolCallDelta, position: number, parts: StreamPart[]): void {
    // A server that sends one call per delta without an index numbers them by position.
    const index = typeof call.index === 'number' ? call.index : position;
    const id = call.id || undefined;
    const name = call.function?.name || undefined;
    if (id !== undefined || name !== undefined) {
      const seen = this.#announced.get(index);
      if (!seen) {
        const start = { id: id ?? fallbackToolCallId(index), name: name ?? '' };
        this.#announced.set(index, start);
        parts.push({ type: 'tool-call-start', index, id: start.id, name: start.name });
      } else if ((id !== undefined && id !== seen.id) || (name !== undefined && name !== seen.name)) {
        if (id !== undefined) seen.id = id;
        if (name !== undefined) seen.name = name;
        parts.push({ type: 'tool-call-start', index, id: seen.id, name: seen.name });
      }
    }
    const argumentsDelta = argumentsText(call.function?.arguments);
    if (argumentsDelta) parts.push({ type: 'tool-call-delta', index, argumentsDelta });
  }
}
