import type { ToolCall } from './types.ts';

interface Pending {
  id: string;
  name: string;
  pieces: string[];
}

/**
 * Puts streamed tool calls together: a call opens with its id and name, its
 * arguments arrive in pieces, and parallel calls interleave, each under its
 * `index`. Servers differ (the whole call in one delta, the id repeated on
 * every delta, pieces before the name): all of them assemble the same way.
 */
export class ToolCallAssembler {
  readonly #calls = new Map<number, Pending>();

  get size(): number {
    return this.#calls.size;
  }

  start(index: number, id: string, name: string): void {
    const call = this.#calls.get(index);
    if (!call) this.#calls.set(index, { id, name, pieces: [] });
    else {
      if (id) call.id = id;
      if (name) call.name = name;
    }
  }

  delta(index: number, argumentsDelta: string): void {
    let call = this.#calls.get(index);
    if (!call) this.#calls.set(index, (call = { id: '', name: '', pieces: [] }));
    call.pieces.push(argumentsDelta);
  }

  /** A call that arrived whole. */
  put(index: number, toolCall: ToolCall): void {
    this.#calls.set(index, { id: toolCall.id, name: toolCall.name, pieces: [toolCall.arguments] });
  }

  /** Every call so far, in index order, with its arguments parsed where they parse. */
  calls(): { index: number; toolCall: ToolCall }[] {
    return [...this.#calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({ index, toolCall: toToolCall(call.id, call.name, call.pieces.join('')) }));
  }
}

/** A tool call with its arguments parsed when they are JSON (no arguments at all read as `{}`). */
export function toToolCall(id: string, name: string, args: string): ToolCall {
  const toolCall: ToolCall = { id, name, arguments: args };
  if (args.trim() === '') toolCall.input = {};
  else {
    try {
      toolCall.input = JSON.parse(args);
    } catch {
      // Not JSON: the raw text stays for the caller to judge.
    }
  }
  return toolCall;
}
