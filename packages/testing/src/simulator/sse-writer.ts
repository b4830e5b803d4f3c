import type { Exchange } from './exchange.ts';
import { splitPieces } from './split-writes.ts';

/**
 * Writes a server-sent event stream. Events are buffered and written together at `flush()` (the
 * stream loop flushes before every delay), so an unpaced stream costs one write, not one per chunk.
 * Faults: `crlf` switches line endings; `splitWrites` writes each flush in tiny pieces with an event
 * loop turn between them, cut inside lines and inside multi-byte characters.
 */
export class SseWriter {
  readonly #exchange: Exchange;
  readonly #eol: string;
  readonly #splitWrites: boolean;
  #buffer = '';

  constructor(exchange: Exchange, options: { crlf: boolean; splitWrites: boolean }) {
    this.#exchange = exchange;
    this.#eol = options.crlf ? '\r\n' : '\n';
    this.#splitWrites = options.splitWrites;
  }

  /** A `data:` event carrying `payload` (a JSON text, `[DONE]`, or anything for malformed events). */
  data(payload: string): void {
    this.#buffer += `data: ${payload}${this.#eol}${this.#eol}`;
  }

  /** A comment line (`: text`), as keep-alives and OpenRouter's processing notices are sent. */
  comment(text: string): void {
    this.#buffer += `: ${text}${this.#eol}${this.#eol}`;
  }

  /** Bytes waiting for the next flush (in UTF-16 units, close enough to bound memory). */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Writes the buffered events; resolves false if the exchange ended meanwhile. */
  async flush(): Promise<boolean> {
    const text = this.#buffer;
    this.#buffer = '';
    if (text.length === 0) return !this.#exchange.closed;
    if (!this.#splitWrites) return this.#exchange.write(text);
    for (const piece of splitPieces(Buffer.from(text, 'utf8'))) {
      if (!(await this.#exchange.write(piece))) return false;
      if (!(await this.#exchange.nextTurn())) return false;
    }
    return true;
  }

  /** Flushes and ends the response cleanly. */
  async end(): Promise<void> {
    if (await this.flush()) this.#exchange.res.end();
  }
}
