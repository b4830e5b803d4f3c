/** Byte values the decoder looks for. */
const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const dataPrefix = Buffer.from('data:');

/** Called with each complete event: its `event` name (if any) and its `data` lines joined by `\n`. */
export type EventHandler = (name: string | undefined, data: string) => void;

/** What a decoder holds of one event at most by default: see `maxEventBytes` in the README for the figure's reasons. */
export const defaultMaxEventBytes: number = 4 * 1024 * 1024;

/** An event (its data so far, with a line not yet ended) outgrew the decoder's cap: the server sent more than any real event. */
export class EventTooLargeError extends Error {
  readonly maxEventBytes: number;

  constructor(maxEventBytes: number) {
    super(`a server-sent event outgrew ${maxEventBytes} bytes without ending`);
    this.name = 'EventTooLargeError';
    this.maxEventBytes = maxEventBytes;
  }
}

/**
 * A server-sent events decoder over bytes, as the `openai` SDK decodes them
 * (lines end in LF, CRLF or CR; an event ends at a blank line; `data` lines
 * join with `\n`; comments and other fields are skipped; an event left open
 * at the end is still delivered), without its per-line strings and arrays:
 * a line is decoded to text only when it is a `data` or `event` field, and
 * a chunk holding whole events (the usual case) is never copied.
 *
 * What it holds of one event — the data lines so far and a line not yet
 * ended — is capped at `maxEventBytes`: past it `push` throws an
 * `EventTooLargeError`, so a server that never ends a line cannot grow the
 * memory until the call's deadline.
 */
export class SseDecoder {
  readonly #onEvent: EventHandler;
  readonly #maxEventBytes: number;
  /** The pieces of a line that the last chunks ended inside, copied, joined only once the line ends. */
  #rest: Buffer[] = [];
  #restBytes = 0;
  /** The last chunk ended with CR: an LF opening the next one belongs to it. */
  #skipLF = false;
  #name: string | undefined;
  #data: string | undefined;
  /** The UTF-8 bytes of `#data`. */
  #dataBytes = 0;

  constructor(onEvent: EventHandler, maxEventBytes: number = defaultMaxEventBytes) {
    this.#onEvent = onEvent;
    this.#maxEventBytes = maxEventBytes;
  }

  push(bytes: Uint8Array): void {
    let buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let position = 0;
    if (this.#skipLF) {
      this.#skipLF = false;
      if (buffer[0] === LF) position = 1;
    }
    if (this.#restBytes > 0) {
      // The line goes on through this whole chunk: hold it, without joining and scanning the line again at every chunk.
      if (buffer.indexOf(LF, position) === -1 && buffer.indexOf(CR, position) === -1) return this.#hold(buffer, position);
      buffer = Buffer.concat([...this.#rest, buffer.subarray(position)]);
      position = 0;
      this.#rest = [];
      this.#restBytes = 0;
    }
    const length = buffer.length;
    let cr = buffer.indexOf(CR, position);
    while (position < length) {
      const lf = buffer.indexOf(LF, position);
      if (cr !== -1 && cr < position) cr = buffer.indexOf(CR, position);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        next = cr + 1;
        if (next === length) this.#skipLF = true;
        else if (buffer[next] === LF) next += 1;
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else return this.#hold(buffer, position);
      this.#line(buffer, position, end);
      position = next;
    }
  }

  /** The body ended: a last line without its line end, and an event without its blank line, still count. */
  end(): void {
    if (this.#restBytes > 0) {
      const rest = Buffer.concat(this.#rest);
      this.#rest = [];
      this.#restBytes = 0;
      this.#line(rest, 0, rest.length);
    }
    this.#line(Buffer.alloc(0), 0, 0);
  }

  /** Keeps the end of a chunk that a line runs past, within the cap. */
  #hold(buffer: Buffer, position: number): void {
    // Copied: a view would keep the whole chunk alive while the stream waits for the line's end.
    this.#rest.push(Buffer.from(buffer.subarray(position)));
    this.#restBytes += buffer.length - position;
    this.#checkSize(this.#restBytes);
  }

  #checkSize(pending: number): void {
    if (this.#dataBytes + pending > this.#maxEventBytes) throw new EventTooLargeError(this.#maxEventBytes);
  }

  #line(buffer: Buffer, start: number, end: number): void {
    if (start === end) {
      if (this.#data === undefined && !this.#name) return;
      const name = this.#name;
      const data = this.#data ?? '';
      this.#name = undefined;
      this.#data = undefined;
      this.#dataBytes = 0;
      this.#onEvent(name, data);
      return;
    }
    if (buffer[start] === COLON) return;
    let valueStart: number;
    let field: 'data' | 'event' | undefined;
    if (end - start >= 5 && buffer.compare(dataPrefix, 0, 5, start, start + 5) === 0) {
      field = 'data';
      valueStart = start + 5;
    } else {
      const colon = buffer.indexOf(COLON, start);
      const nameEnd = colon === -1 || colon > end ? end : colon;
      const name = buffer.toString('latin1', start, nameEnd);
      if (name !== 'data' && name !== 'event') return;
      field = name;
      valueStart = nameEnd === end ? end : nameEnd + 1;
    }
    if (buffer[valueStart] === SPACE && valueStart < end) valueStart += 1;
    if (field === 'data') {
      // The line was held within the cap as it arrived; data lines that pile up in one event are checked here.
      const joined = this.#data === undefined ? 0 : 1;
      this.#checkSize(joined + end - valueStart);
      this.#dataBytes += joined + end - valueStart;
    }
    const value = buffer.toString('utf8', valueStart, end);
    if (field === 'event') this.#name = value;
    else this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
  }
}
