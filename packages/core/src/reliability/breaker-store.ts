/** A change of a shared breaker: open or closed, and when it happened. */
export interface SharedBreakerState {
  state: 'open' | 'closed';
  /** Epoch ms. The latest change wins, wherever it was made. */
  at: number;
}

/**
 * Where circuit breakers in several processes share their state (Redis, for
 * processes calling one backend). The breaker asks on every call and never
 * waits, so `read` and `probe` answer from what the store already knows
 * (keeping it fresh in the background) and `write` sends in the background.
 */
export interface BreakerStore {
  /** The latest change of `key` the store knows of, or undefined. */
  read(key: string): SharedBreakerState | undefined;
  /** Tells the other processes about a change made here. */
  write(key: string, change: SharedBreakerState): void;
  /**
   * Whether this process may send the one probe after the open period that
   * began at `openedAt`. True in exactly one process; false in the others and
   * while the answer is not in yet (the store asks for it then).
   */
  probe(key: string, openedAt: number): boolean;
}
