import { AbortedError, ConfigurationError, QueueFullError, RouterError, TimeoutError } from '@router/core';

/**
 * Where a limiter keeps count of the units in use. The in-memory store serves
 * one process; a shared store (Redis, for several processes drawing on one
 * account) implements the same two methods, asynchronously, and callers do
 * not change. Within one process, share the limiter object rather than a store.
 */
export interface ConcurrencyStore {
  /** Takes `cost` units of `key` if no more than `limit` would then be in use; says whether it did. */
  take(key: string, cost: number, limit: number): boolean | Promise<boolean>;
  /** Gives back units taken earlier. */
  give(key: string, cost: number): void | Promise<void>;
  /**
   * For shared stores: calls `wake` when units of `key` may have been given
   * back elsewhere (another process), so callers waiting here try again;
   * returns a function that stops it. A limiter watches only while callers
   * wait, so a store may also read it as "this process is waiting".
   */
  watch?(key: string, wake: () => void): () => void;
  /**
   * Units of `key` in use now by every limiter sharing the store, as far as
   * the store knows without asking anyone: it is read on every pick of a
   * `least-busy` alias, so it must answer at once from memory. A shared store
   * answers from a snapshot it keeps fresh in the background; undefined when
   * it knows nothing yet.
   */
  used?(key: string): number | undefined;
}

export function createMemoryStore(): ConcurrencyStore {
  const used = new Map<string, number>();
  return {
    take(key, cost, limit) {
      const now = used.get(key) ?? 0;
      if (now + cost > limit) return false;
      used.set(key, now + cost);
      return true;
    },
    give(key, cost) {
      used.set(key, (used.get(key) ?? 0) - cost);
    },
    used: (key) => used.get(key),
  };
}

export interface ConcurrencyLimiterOptions {
  /** Units that may be in use at once (requests, or plan units when backends report a cost). */
  limit: number;
  /** Calls that may wait; one more is refused with QueueFullError. Default 1,000 (`Infinity` for unbounded). */
  maxQueue?: number;
  /**
   * How long a call may wait for a slot before failing with TimeoutError (phase `queue`); its
   * deadline may end the wait sooner. Default 60,000 ms (`Infinity` to wait until the deadline).
   */
  queueTimeoutMs?: number;
  /** Default: a fresh in-memory store. */
  store?: ConcurrencyStore;
  /** The account's key in the store. Default `default`. */
  key?: string;
}

/** A concurrency limiter at one moment: units in use (for a shared store, as its last answer said), calls waiting, and the limit. */
export interface LimiterState {
  inUse: number;
  queued: number;
  limit: number;
}

/** Waiters a limiter queues when its options set no `maxQueue`. */
const defaultMaxQueue = 1_000;
/** How long a waiter waits when the options set no `queueTimeoutMs`. */
const defaultQueueTimeoutMs = 60_000;

/** A held slot. `release` is idempotent. */
export interface Slot {
  /** Milliseconds spent in the queue (0 when a slot was free). */
  waitMs: number;
  /**
   * Gives the units back, at once or after `holdMs` (a finite number of milliseconds) and one more
   * turn of the event loop: meanwhile they still count as in use (`active`, `inUse`). The router
   * holds them after a call ended early, for a server that counts the request until it has noticed
   * the connection close (see the backend's `abortGraceMs`).
   */
  release(holdMs?: number): void;
}

/** The most takes an asynchronous store is asked for at once. */
const MAX_WINDOW = 16;

interface Waiter {
  cost: number;
  /** Settles the waiter: a slot, or an error. Removes its timer and abort listener. */
  settle(error?: unknown): void;
}

/**
 * Bounds the units in flight. Strictly first come, first served: a large
 * request at the head is not overtaken by smaller ones behind it, so nothing
 * starves. Share one limiter between backends that draw on one account.
 */
export class ConcurrencyLimiter {
  readonly limit: number;
  readonly #options: ConcurrencyLimiterOptions;
  readonly #store: ConcurrencyStore;
  readonly #key: string;
  readonly #queue: Waiter[] = [];
  #held = 0;
  #draining = false;
  #dirty = false;
  /** Waiters an asynchronous store is asked about at once (see `#settle`). */
  #window = 1;
  #unwatch: (() => void) | undefined;

  constructor(options: ConcurrencyLimiterOptions) {
    if (!(options.limit > 0)) throw new ConfigurationError([`limiter limit must be a positive number (got ${options.limit}).`]);
    this.limit = options.limit;
    this.#options = options;
    this.#store = options.store ?? createMemoryStore();
    this.#key = options.key ?? 'default';
  }

  /** Units held through this limiter. */
  get active(): number {
    return this.#held;
  }

  /**
   * Units in use under this limiter's key: the store's count when it keeps
   * one (every limiter sharing the store, in every process for a shared
   * store, as recently as it knows), and never fewer than `active`.
   */
  get inUse(): number {
    const used = this.#store.used?.(this.#key);
    return used === undefined || used < this.#held ? this.#held : used;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  /** `inUse`, `queued` and `limit` now, as one object (what a router's `explain` shows). */
  get state(): LimiterState {
    return { inUse: this.inUse, queued: this.queued, limit: this.limit };
  }

  /** Whether a call costing `cost` would get a slot without waiting (a hint from `inUse`, exact for the in-memory store). */
  canTake(cost = 1): boolean {
    return this.#queue.length === 0 && this.inUse + Math.min(cost, this.limit) <= this.limit;
  }

  /**
   * Waits for `cost` units (clamped to the limit, so an oversized request runs
   * alone rather than never). Rejects when `signal` aborts (with its reason),
   * on the queue timeout, or at once when the queue is full.
   */
  acquire(cost = 1, signal?: AbortSignal): Promise<Slot> {
    const units = Math.min(cost, this.limit);
    const queuedAt = performance.now();
    return new Promise<Slot>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      let queued = false;
      const onAbort = (): void => this.#leave(waiter, abortReason(signal!));
      const waiter: Waiter = {
        cost: units,
        settle: (error) => {
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (error !== undefined) return reject(error);
          this.#held += units;
          let released = false;
          resolve({
            waitMs: queued ? performance.now() - queuedAt : 0,
            release: (holdMs) => {
              if (released) return;
              released = true;
              if (holdMs! > 0) this.#freeLater(units, holdMs!);
              else this.#free(units);
            },
          });
        },
      };
      this.#queue.push(waiter);
      this.#drain();
      if (settled) return;
      queued = true;
      const { maxQueue = defaultMaxQueue, queueTimeoutMs = defaultQueueTimeoutMs } = this.#options;
      if (this.#queue.length > maxQueue) return this.#leave(waiter, new QueueFullError(maxQueue));
      if (Number.isFinite(queueTimeoutMs)) timer = setTimeout(() => this.#leave(waiter, new TimeoutError('queue', queueTimeoutMs)), queueTimeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A waiter gives up: out of the queue at once, and those behind it may now fit. */
  #leave(waiter: Waiter, error: unknown): void {
    const at = this.#queue.indexOf(waiter);
    if (at < 0) return;
    this.#queue.splice(at, 1);
    waiter.settle(error);
    this.#watchWhileWaiting();
    this.#drain();
  }

  /**
   * Frees `units` once `holdMs` have passed and the event loop has turned once more: a timer
   * that fires late, after this process was held up (a long task, a pause, a starved CPU), runs
   * before the I/O that piled up meanwhile has been read, and a server sharing the event loop (a
   * test's simulator) may not have read the close yet. Not unref'd: a shared store must get the
   * units back even from a process about to exit.
   */
  #freeLater(units: number, holdMs: number): void {
    setTimeout(() => setTimeout(() => this.#free(units), 0), holdMs);
  }

  #free(units: number): void {
    this.#held -= units;
    this.#give(units);
  }

  #give(units: number): void {
    const given = this.#store.give(this.#key, units);
    if (given) given.then(() => this.#drain(), () => this.#drain());
    else this.#drain();
  }

  /**
   * Grants slots to the head of the queue while they fit. Runs synchronously
   * with a synchronous store. With an asynchronous one it asks for a window
   * of waiters at once, in queue order, and grants in that order; a release
   * landing meanwhile marks the queue dirty, so a refused head is tried again
   * instead of waiting for a wake-up that already passed.
   */
  #drain(): void {
    if (this.#draining) {
      this.#dirty = true;
      return;
    }
    this.#draining = true;
    for (let head = this.#queue[0]; head; head = this.#queue[0]) {
      this.#dirty = false;
      const taken = this.#take(head);
      if (typeof taken !== 'boolean') {
        const batch = this.#queue.slice(0, this.#window);
        void this.#settle(batch, [taken, ...batch.slice(1).map((waiter) => this.#take(waiter))]);
        return;
      }
      if (!this.#grant(head, taken)) break;
    }
    this.#draining = false;
  }

  #take(waiter: Waiter): boolean | Promise<boolean> {
    try {
      return this.#store.take(this.#key, waiter.cost, this.limit);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Grants the answers of an asynchronous store in queue order. Nobody
   * overtakes a refused waiter: units taken for those behind it go back. The
   * window doubles while every answer is a grant (a shared store then costs
   * one round trip per window, not per caller) and falls back to one at a
   * refusal, so a full limiter asks for one waiter at a time.
   */
  async #settle(batch: readonly Waiter[], answers: readonly (boolean | Promise<boolean>)[]): Promise<void> {
    let refused = false;
    for (const [at, waiter] of batch.entries()) {
      let taken = false;
      try {
        taken = await answers[at]!;
      } catch (error) {
        // A store that fails (a shared one losing its connection) fails the call it was asked for, not the process.
        this.#leave(waiter, error ?? new Error('the concurrency store failed'));
        continue;
      }
      if (refused) {
        if (taken) this.#give(waiter.cost);
      } else if (!this.#grant(waiter, taken)) {
        refused = true;
      }
    }
    this.#window = refused ? 1 : Math.min(this.#window * 2, MAX_WINDOW);
    this.#draining = false;
    if (!refused || this.#dirty) this.#drain();
  }

  /** Hands the units just taken to `head`, or back to the store if it left meanwhile; false when none were taken. */
  #grant(head: Waiter, taken: boolean): boolean {
    if (!taken) {
      this.#watchWhileWaiting();
      return false;
    }
    if (this.#queue[0] === head) {
      this.#queue.shift();
      head.settle();
      if (this.#queue.length === 0) this.#watchWhileWaiting();
    } else {
      this.#give(head.cost);
    }
    return true;
  }

  /** A shared store's releases happen in other processes too: after a refusal, listen for them until nobody waits here. */
  #watchWhileWaiting(): void {
    if (this.#queue.length > 0) {
      this.#unwatch ??= this.#store.watch?.(this.#key, () => this.#drain());
    } else if (this.#unwatch) {
      this.#unwatch();
      this.#unwatch = undefined;
    }
  }
}

function abortReason(signal: AbortSignal): RouterError {
  const reason: unknown = signal.reason;
  return RouterError.isInstance(reason) ? reason : new AbortedError({ cause: reason });
}
