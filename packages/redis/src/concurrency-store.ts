import type { ConcurrencyStore } from '@router/core/reliability';
import { BEAT, GIVE, TAKE, USED } from './concurrency-scripts.ts';
import { SharedStateUnavailableError } from './errors.ts';
import type { RedisLink, Script } from './link.ts';

export interface ConcurrencySettings {
  prefix: string;
  processId: string;
  leaseTtlMs: number;
  onRedisDown: 'open' | 'closed';
  localShare: number;
  usageMaxAgeMs: number;
}

/** What this process knows about one limiter key. */
interface KeyState {
  /** Its Redis keys (one hash slot) and wake-up channel. */
  keys: readonly string[];
  channel: string;
  /** Units this process holds in Redis, as it counts them (gives are subtracted before they are sent). */
  held: number;
  /** Takes sent and not yet answered: while any is, the count in Redis may be ahead of `held`. */
  taking: number;
  /** Units held from the local fallback while Redis was down, one entry per take: [cost asked, units taken]. */
  local: [number, number][];
  localUsed: number;
  /** Limiters of this process waiting on the key (usually one). */
  wakes: Set<() => void>;
  /** Wakes the waiters when the next lease may end (set on a refusal while they wait). */
  leaseTimer: ReturnType<typeof setTimeout> | undefined;
  /** Takes asked for in this turn of the event loop, in order, sent together as one script (see `#flush`). */
  takes: PendingTake[];
  /** The limit of those takes (a take with another limit flushes them first). */
  takesLimit: number;
  /** Units given back in this turn, sent with its takes (or as one give when there are none), and the gives waiting for it. */
  giving: number;
  givers: (() => void)[];
  flushScheduled: boolean;
}

interface PendingTake {
  cost: number;
  settle: (granted: boolean | Error) => void;
}

/** The units other processes hold on one key, as last heard from Redis (for `used`). */
interface Seen {
  others: number | undefined;
  /**
   * Heard less than `usageMaxAgeMs` ago: a timer ends it, so `used`, read
   * many times per pick, checks a flag rather than the clock.
   */
  fresh: boolean;
  reading: boolean;
}

/**
 * The Redis side of a concurrency store: takes and gives through Lua scripts,
 * one lease per process and key renewed by a heartbeat, pub/sub wake-ups for
 * waiters, and the failure policy when Redis does not answer.
 */
export class RedisConcurrency implements ConcurrencyStore {
  readonly #link: RedisLink;
  readonly #settings: ConcurrencySettings;
  readonly #keys = new Map<string, KeyState>();
  readonly #seen = new Map<string, Seen>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(link: RedisLink, settings: ConcurrencySettings) {
    this.#link = link;
    this.#settings = settings;
    link.onReconnect(() => {
      for (const [key, state] of this.#keys) this.#beat(key, state, true);
    });
  }

  /**
   * Takes asked for in one turn of the event loop (a limiter asks for a
   * window of waiters at once) go to Redis as one script, which grants them in
   * order and stops at the first that does not fit: one round trip and one
   * script for the window instead of one each, with the same answers.
   */
  take(key: string, cost: number, limit: number): Promise<boolean> {
    const state = this.#state(key);
    if (state.takes.length > 0 && state.takesLimit !== limit) this.#flush(key, state);
    state.taking++;
    return new Promise<boolean>((resolve, reject) => {
      state.takes.push({ cost, settle: (granted) => (typeof granted === 'boolean' ? resolve(granted) : reject(granted)) });
      state.takesLimit = limit;
      this.#scheduleFlush(key, state);
    });
  }

  /** Gives back units; the gives of one turn of the event loop go to Redis as one, with the turn's takes if any. */
  give(key: string, cost: number): Promise<void> | undefined {
    const state = this.#state(key);
    const local = state.local.findLastIndex(([asked]) => asked === cost);
    if (local >= 0) {
      state.localUsed -= state.local.splice(local, 1)[0]![1];
      return undefined;
    }
    state.held -= cost;
    state.giving += cost;
    this.#scheduleFlush(key, state);
    return new Promise<void>((resolve) => state.givers.push(resolve));
  }

  /**
   * After the current callbacks and every promise they settle (a tick runs
   * once the microtask queue is empty), so the takes and gives of one turn
   * gather; node-redis then writes them in one go.
   */
  #scheduleFlush(key: string, state: KeyState): void {
    if (state.flushScheduled) return;
    state.flushScheduled = true;
    process.nextTick(() => this.#flush(key, state));
  }

  /**
   * The turn's gives ride on its takes: one TAKE script gives back first, so
   * the units freed count for the takes, and a release followed by an
   * acquire costs one script and one reply. Gives alone go as one GIVE.
   */
  #flush(key: string, state: KeyState): void {
    state.flushScheduled = false;
    const given = state.giving;
    const givers = state.givers;
    state.giving = 0;
    state.givers = [];
    if (state.takes.length > 0) {
      const takes = state.takes;
      state.takes = [];
      void this.#takeAll(key, state, takes, state.takesLimit, given, givers);
    } else if (given > 0) {
      // A give that does not arrive is corrected by the next heartbeat, which sets the count this process holds.
      void this.#run(GIVE, key, [given]).then(
        (others) => this.#hear(key, others as number),
        () => undefined,
      ).finally(() => settleAll(givers));
    }
  }

  async #takeAll(key: string, state: KeyState, takes: readonly PendingTake[], limit: number, given: number, givers: readonly (() => void)[]): Promise<void> {
    try {
      const waiting = state.wakes.size > 0 ? 1 : 0;
      const costs = takes.map((pending) => pending.cost);
      const [granted, others, waitMs] = (await this.#run(TAKE, key, [limit, this.#settings.leaseTtlMs, waiting, given, ...costs])) as [number, number, number];
      settleAll(givers);
      this.#hear(key, others);
      for (let index = 0; index < granted; index++) state.held += takes[index]!.cost;
      if (granted < takes.length) this.#wakeAtLeaseEnd(key, state, waitMs);
      state.taking -= takes.length;
      for (const [index, pending] of takes.entries()) pending.settle(index < granted);
    } catch (error) {
      // The gives are lost with the takes; the next heartbeat sets the count this process holds.
      settleAll(givers);
      state.taking -= takes.length;
      for (const pending of takes) {
        let outcome: boolean | Error;
        try {
          outcome = this.#takeLocally(state, key, pending.cost, limit, error);
        } catch (refused) {
          outcome = refused as Error;
        }
        pending.settle(outcome);
      }
    } finally {
      this.#beatWhileBusy();
    }
  }

  /**
   * Units of `key` in use in every process: what this process holds, exact,
   * plus what the others held when Redis last said (in the reply to any
   * take, give or heartbeat of this process, or to a background read that
   * this starts once the figure is `usageMaxAgeMs` old). Never waits on Redis.
   */
  used(key: string): number | undefined {
    let seen = this.#seen.get(key);
    if (!seen) {
      seen = { others: undefined, fresh: false, reading: false };
      this.#seen.set(key, seen);
    }
    if (!seen.fresh && !seen.reading) this.#read(key, seen);
    const mine = this.#keys.get(key);
    if (seen.others === undefined && !mine) return undefined;
    return (seen.others ?? 0) + (mine ? mine.held + mine.localUsed : 0);
  }

  watch(key: string, wake: () => void): () => void {
    const state = this.#state(key);
    if (state.wakes.size === 0) this.#link.subscribe(state.channel, () => this.#wake(key));
    state.wakes.add(wake);
    this.#beat(key, state);
    this.#beatWhileBusy();
    return () => {
      if (!state.wakes.delete(wake) || state.wakes.size > 0) return;
      this.#link.unsubscribe(state.channel);
      this.#beat(key, state);
    };
  }

  /** Stops the heartbeat and the wake-ups. Leases held by this process then end within their TTL. */
  stop(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    for (const state of this.#keys.values()) clearTimeout(state.leaseTimer);
  }

  /** Fail open: a local budget of `localShare` of the limit (at least one unit); fail closed: a typed error. */
  #takeLocally(state: KeyState, key: string, cost: number, limit: number, error: unknown): boolean {
    if (this.#settings.onRedisDown === 'closed') {
      throw new SharedStateUnavailableError(`a slot of limiter "${key}"`, { cause: error });
    }
    const localLimit = Math.max(1, Math.floor(limit * this.#settings.localShare));
    const units = Math.min(cost, localLimit);
    if (state.localUsed + units > localLimit) return false;
    state.localUsed += units;
    state.local.push([cost, units]);
    return true;
  }

  #hear(key: string, others: number): void {
    let seen = this.#seen.get(key);
    if (!seen) {
      seen = { others, fresh: false, reading: false };
      this.#seen.set(key, seen);
    }
    seen.others = others;
    this.#freshFor(seen);
  }

  /** Fresh until `usageMaxAgeMs` from now (or from an earlier hearing still fresh: one timer per key and period). */
  #freshFor(seen: Seen): void {
    if (seen.fresh) return;
    seen.fresh = true;
    setTimeout(() => {
      seen.fresh = false;
    }, this.#settings.usageMaxAgeMs).unref();
  }

  /** A background read of what the other processes hold; while Redis is down the last figure stays. */
  #read(key: string, seen: Seen): void {
    seen.reading = true;
    const { keys, channel } = names(this.#settings.prefix, key);
    this.#link
      .run(USED, keys, [channel, this.#settings.processId])
      .then((others) => this.#hear(key, others as number))
      // The last figure stays, and is asked for again after another period.
      .catch(() => this.#freshFor(seen))
      .finally(() => {
        seen.reading = false;
      });
  }

  #state(key: string): KeyState {
    let state = this.#keys.get(key);
    if (!state) {
      state = {
        ...names(this.#settings.prefix, key),
        held: 0,
        taking: 0,
        local: [],
        localUsed: 0,
        wakes: new Set(),
        leaseTimer: undefined,
        takes: [],
        takesLimit: 0,
        giving: 0,
        givers: [],
        flushScheduled: false,
      };
      this.#keys.set(key, state);
    }
    return state;
  }

  /** A waiting process looks again when another's lease may run out, not a heartbeat later. */
  #wakeAtLeaseEnd(key: string, state: KeyState, ms: number): void {
    if (state.leaseTimer) return;
    state.leaseTimer = setTimeout(() => {
      state.leaseTimer = undefined;
      this.#wake(key);
    }, ms + 1);
    state.leaseTimer.unref();
  }

  #wake(key: string): void {
    for (const wake of this.#keys.get(key)?.wakes ?? []) wake();
  }

  #run(script: Script, key: string, args: readonly (string | number)[], always = false): Promise<unknown> {
    const { keys, channel } = this.#state(key);
    return this.#link.run(script, keys, [channel, this.#settings.processId, ...args], always);
  }

  /**
   * Renews the lease, restores the count Redis should have, and joins or
   * leaves the line. Units held from the local budget count too, so that
   * after an outage Redis does not hand them out again while they are in use.
   */
  #beat(key: string, state: KeyState, always = false): void {
    const held = state.taking > 0 ? -1 : state.held + state.localUsed;
    this.#run(BEAT, key, [this.#settings.leaseTtlMs, held, state.wakes.size > 0 ? 1 : 0], always).then(
      (others) => this.#hear(key, others as number),
      () => undefined,
    );
  }

  /**
   * Beats three times per lease TTL while this process holds units or waits.
   * Waiters are also woken on each beat: that is how they see units a dead
   * process gave back (its lease ran out) and any wake-up lost with a
   * connection. The timer is unref'd and stops when nothing is held.
   */
  #beatWhileBusy(): void {
    if (this.#heartbeat) return;
    this.#heartbeat = setInterval(() => {
      let busy = false;
      for (const [key, state] of this.#keys) {
        if (state.held === 0 && state.taking === 0 && state.localUsed === 0 && state.wakes.size === 0) {
          // A last beat clears what Redis still counts for this process (a lost give, local units).
          this.#beat(key, state);
          this.#keys.delete(key);
          continue;
        }
        busy = true;
        this.#beat(key, state);
        this.#wake(key);
      }
      if (!busy) this.stop();
    }, this.#settings.leaseTtlMs / 3);
    this.#heartbeat.unref();
  }
}

function settleAll(givers: readonly (() => void)[]): void {
  for (const given of givers) given();
}

/** The Redis keys (one hash slot) and wake-up channel of a limiter key. */
function names(prefix: string, key: string): { keys: readonly string[]; channel: string } {
  const base = `${prefix}:{${key}}`;
  return { keys: [`${base}:units`, `${base}:leases`, `${base}:line`, `${base}:seq`, `${base}:needs`], channel: `${base}:wake` };
}
