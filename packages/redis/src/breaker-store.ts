import type { BreakerStore, SharedBreakerState } from '@router/core/reliability';
import { CLAIM, READ, WRITE } from './breaker-scripts.ts';
import type { RedisLink } from './link.ts';

export interface BreakerSettings {
  prefix: string;
  processId: string;
  onRedisDown: 'open' | 'closed';
  probeLeaseMs: number;
  retryAfterMs: number;
}

/** How often a breaker's copy of the shared state is read again, in case a published change was missed. */
const REFRESH_MS = 500;
/** A shared change is kept this long; a breaker that has not changed for an hour is closed or long cooled down. */
const STATE_TTL_MS = 3_600_000;

interface Known {
  change: SharedBreakerState | undefined;
  readAt: number;
  reading: boolean;
}

interface Claim {
  openedAt: number;
  /** Undefined while the answer is not in. */
  mine: boolean | undefined;
  /** When to ask again (the lease ends, or Redis may be back). */
  until: number;
}

/**
 * Breaker state shared through Redis. Each process keeps a copy of each
 * breaker's latest change, updated by pub/sub and read again every
 * REFRESH_MS while the breaker is in use, so `read` never waits; the probe
 * is a key set if absent, with a lease, so one process holds it.
 */
export class RedisBreakers implements BreakerStore {
  readonly #link: RedisLink;
  readonly #settings: BreakerSettings;
  readonly #known = new Map<string, Known>();
  readonly #claims = new Map<string, Claim>();

  constructor(link: RedisLink, settings: BreakerSettings) {
    this.#link = link;
    this.#settings = settings;
  }

  read(key: string): SharedBreakerState | undefined {
    let known = this.#known.get(key);
    if (!known) {
      known = { change: undefined, readAt: 0, reading: false };
      this.#known.set(key, known);
      this.#link.subscribe(this.#channel(key), (message) => this.#learn(key, parse(message)));
    }
    if (!known.reading && performance.now() - known.readAt >= REFRESH_MS) this.#refresh(key, known);
    return known.change;
  }

  write(key: string, change: SharedBreakerState): void {
    this.#learn(key, change);
    const args = [this.#channel(key), `${change.state}|${change.at}`, change.at, STATE_TTL_MS];
    this.#link.run(WRITE, [this.#stateKey(key)], args).catch(() => undefined);
  }

  probe(key: string, openedAt: number): boolean {
    const claim = this.#claims.get(key);
    if (claim?.openedAt === openedAt && (claim.mine === undefined || performance.now() < claim.until)) return claim.mine === true;
    const asking: Claim = { openedAt, mine: undefined, until: 0 };
    this.#claims.set(key, asking);
    const { processId, probeLeaseMs, onRedisDown, retryAfterMs } = this.#settings;
    this.#link.run(CLAIM, [`${this.#base(key)}:probe:${openedAt}`], [processId, probeLeaseMs]).then(
      (reply) => {
        asking.mine = reply === 1;
        asking.until = performance.now() + probeLeaseMs;
      },
      () => {
        // Nobody can say who probes: failing open each process probes for itself, failing closed none does.
        asking.mine = onRedisDown === 'open';
        asking.until = performance.now() + retryAfterMs;
      },
    );
    return false;
  }

  #learn(key: string, change: SharedBreakerState | undefined): void {
    const known = this.#known.get(key);
    if (known && change && (!known.change || change.at > known.change.at)) known.change = change;
  }

  #refresh(key: string, known: Known): void {
    known.reading = true;
    this.#link
      .run(READ, [this.#stateKey(key)], [])
      .then((reply) => this.#learn(key, parse(reply)))
      .catch(() => undefined)
      .finally(() => {
        known.reading = false;
        known.readAt = performance.now();
      });
  }

  #base(key: string): string {
    return `${this.#settings.prefix}:{breaker:${key}}`;
  }

  #stateKey(key: string): string {
    return `${this.#base(key)}:state`;
  }

  #channel(key: string): string {
    return `${this.#base(key)}:changes`;
  }
}

function parse(value: unknown): SharedBreakerState | undefined {
  const match = typeof value === 'string' ? /^(open|closed)\|(\d+)$/.exec(value) : null;
  return match ? { state: match[1] as 'open' | 'closed', at: Number(match[2]) } : undefined;
}
