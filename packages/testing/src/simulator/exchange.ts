import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggedRequest } from './types.ts';

/**
 * One request and its response. Every delay the simulator makes goes through `wait`, `nextTurn` or
 * `drained`; when the socket closes (client abort, server fault or `close()`), the pending delay is
 * cancelled and resolves `false`, so no timer or work outlives the connection.
 */
export class Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly entry: LoggedRequest;
  /** The response finished or the socket closed: stop writing. */
  closed = false;
  #destroyedByServer = false;
  #cancelPending: (() => void) | undefined;
  #onEnd: Array<() => void> = [];
  /** Until when the server's side of the exchange runs on whatever the client does (see `finishing`). */
  #busyUntil: Promise<void> | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, entry: LoggedRequest) {
    this.req = req;
    this.res = res;
    this.entry = entry;
    // The exchange is over when the response is, or as soon as the client's end of the connection
    // closes (read here before the socket's own close event, a turn of the event loop later): a
    // server counts a request as running until then, and no longer.
    const socket = req.socket;
    const onClientGone = (): void => this.#finish();
    socket.once('end', onClientGone);
    res.once('close', () => {
      socket.off('end', onClientGone);
      this.#finish();
    });
  }

  /** Runs `callback` once when the exchange ends (response finished or socket closed). */
  onEnd(callback: () => void): void {
    if (this.closed) callback();
    else this.#onEnd.push(callback);
  }

  /** Resolves true after `ms`, or false as soon as the exchange ends. Zero or less resolves at once. */
  wait(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (!(ms > 0)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#cancelPending = undefined;
        resolve(true);
      }, ms);
      this.#cancelPending = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
  }

  /** Lets the event loop do I/O once (so separate writes reach the client as separate reads). */
  nextTurn(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const immediate = setImmediate(() => {
        this.#cancelPending = undefined;
        resolve(true);
      });
      this.#cancelPending = () => {
        clearImmediate(immediate);
        resolve(false);
      };
    });
  }

  /** Waits for the response's buffer to drain (after `write` returned false). */
  drained(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onDrain = (): void => {
        this.#cancelPending = undefined;
        resolve(true);
      };
      this.res.once('drain', onDrain);
      this.#cancelPending = () => {
        this.res.off('drain', onDrain);
        resolve(false);
      };
    });
  }

  /** Writes `chunk`, waiting for the buffer to drain when it is full; false once the exchange ended. */
  async write(chunk: string | Uint8Array): Promise<boolean> {
    if (this.closed) return false;
    return this.res.write(chunk) || this.drained();
  }

  /**
   * Ends the connection on purpose (a fault), so the log does not count it as a client abort:
   * `reset` sends a TCP RST at once; otherwise bytes already written are delivered, then the socket
   * closes without ending the HTTP response.
   */
  destroy(reset = false): void {
    this.#destroyedByServer = true;
    const socket = this.req.socket;
    if (reset) socket.resetAndDestroy();
    else socket.destroySoon();
  }

  /**
   * The server's side goes on for `ms` whatever the client does (it has sent its last event and
   * is ending the response): the exchange's end callbacks, such as a plan's release, wait for it.
   * Resolves false when the exchange ended meanwhile, like `wait`.
   */
  finishing(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    this.#busyUntil = new Promise((resolve) => setTimeout(resolve, ms));
    return this.#busyUntil.then(() => !this.closed);
  }

  /** Cancels the pending delay, if any (used by `close()` before it destroys sockets). */
  cancel(): void {
    const cancel = this.#cancelPending;
    this.#cancelPending = undefined;
    cancel?.();
  }

  #finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancel();
    const entry = this.entry;
    entry.endedAt = Date.now();
    if (this.res.headersSent) entry.status = this.res.statusCode;
    entry.clientAborted = !this.res.writableFinished && !this.#destroyedByServer;
    const callbacks = this.#onEnd;
    this.#onEnd = [];
    const run = (): void => {
      for (const callback of callbacks) callback();
    };
    if (this.#busyUntil) void this.#busyUntil.then(run);
    else run();
  }
}
