import type { StreamPart } from '@router/core';
import type { ChunkWriter } from './chat-response.ts';

/**
 * Turns a stream's text chunks or parts into SSE events: text, reasoning and tool-call
 * deltas as OpenAI streams them. `encode` returns '' for a part that sends
 * nothing; `close` gives the role-only event a stream that sent nothing
 * still owes its client. The first event carries the role.
 *
 * Tool calls are numbered 0, 1, … in the order they open, whatever index the
 * backend used; argument pieces that come before their call's id and name
 * wait for it. A call that arrives only whole (`tool-call`) goes out as its
 * first delta followed by its arguments; one already streamed is not sent again.
 */
export class StreamEncoder {
  readonly #writer: ChunkWriter;
  #opened = false;
  /** Backend index → wire index, for calls whose first delta went out. */
  readonly #calls = new Map<number, number>();
  /** Argument pieces of calls not yet opened, by backend index. */
  readonly #early = new Map<number, string[]>();

  constructor(writer: ChunkWriter) {
    this.#writer = writer;
  }

  /** A text chunk (the text view yields strings) or a part. */
  encode(part: string | StreamPart): string {
    if (typeof part === 'string') return this.#text(part);
    switch (part.type) {
      case 'text':
        return this.#text(part.text);
      case 'reasoning':
        return this.#writer.reasoning(part.text, this.#open());
      case 'tool-call-start':
        return this.#calls.has(part.index) ? '' : this.#start(part.index, part.id, part.name, this.#early.get(part.index)?.join('') ?? '');
      case 'tool-call-delta': {
        const wire = this.#calls.get(part.index);
        if (wire !== undefined) return this.#writer.toolCallArguments(wire, part.argumentsDelta);
        const early = this.#early.get(part.index);
        if (early) early.push(part.argumentsDelta);
        else this.#early.set(part.index, [part.argumentsDelta]);
        return '';
      }
      case 'tool-call':
        return this.#calls.has(part.index) ? '' : this.#start(part.index, part.toolCall.id, part.toolCall.name, part.toolCall.arguments);
      case 'finish':
        return '';
    }
  }

  close(): string {
    return this.#opened ? '' : this.#writer.first('');
  }

  #text(text: string): string {
    return this.#open() ? this.#writer.first(text) : this.#writer.text(text);
  }

  /** Whether this is the stream's first event (which carries the role). */
  #open(): boolean {
    if (this.#opened) return false;
    this.#opened = true;
    return true;
  }

  #start(index: number, id: string, name: string, args: string): string {
    const wire = this.#calls.size;
    this.#calls.set(index, wire);
    this.#early.delete(index);
    const opening = this.#writer.toolCallStart(wire, id, name, this.#open());
    return args === '' ? opening : opening + this.#writer.toolCallArguments(wire, args);
  }
}
