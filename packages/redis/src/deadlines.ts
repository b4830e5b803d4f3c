/** A call still waiting for Redis, and how to fail it. */
interface Pending {
  at: number;
  done: boolean;
  fail: (error: Error) => void;
}

/**
 * Bounds every Redis call by one timeout, replies included. The client's own
 * per-command `timeout` only covers the wait to be written to the socket (a
 * Redis that takes the command and then stalls would hold the call forever)
 * and costs an `AbortSignal.timeout` per command, a fifth of the limiter's
 * time in the throughput bench. Every call here has the same timeout, so
 * deadlines come in call order: one timer, set for the oldest call still
 * waiting, serves them all.
 */
export class Deadlines {
  readonly #ms: number;
  #queue: Pending[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number) {
    this.#ms = ms;
  }

  /** Settles with `call`'s outcome, or rejects once the timeout passes first. */
  bound<T>(call: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { at: performance.now() + this.#ms, done: false, fail: reject };
      this.#queue.push(pending);
      this.#timer ??= this.#arm(this.#ms);
      call.then(
        (value) => {
          pending.done = true;
          resolve(value);
        },
        (error: unknown) => {
          pending.done = true;
          reject(error);
        },
      );
    });
  }

  #arm(ms: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => this.#expire(), ms);
    // The connection keeps a process alive while calls are out; the timer need not.
    timer.unref();
    return timer;
  }

  /** Fails the calls past their deadline, drops the answered ones, and waits for the next deadline. */
  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (; this.#head < this.#queue.length; this.#head++) {
      const pending = this.#queue[this.#head]!;
      if (pending.done) continue;
      if (pending.at > now) break;
      pending.done = true;
      pending.fail(new Error(`Redis did not answer within ${this.#ms} ms`));
    }
    this.#queue = this.#queue.slice(this.#head);
    this.#head = 0;
    if (this.#queue.length > 0) this.#timer = this.#arm(Math.max(1, this.#queue[0]!.at - now));
  }
}
