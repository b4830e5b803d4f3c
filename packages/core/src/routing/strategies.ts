import type { ConcurrencyLimiter } from '../reliability/limiter.ts';
import type { Operation } from '../types.ts';

/** What a strategy knows about one healthy deployment of an alias. */
export interface DeploymentView {
  readonly backend: string;
  /** The model id this deployment's backend is asked for. */
  readonly model: string;
  /** Position in the alias's `deployments`. */
  readonly index: number;
  /** Share for `weighted`. Default 1. */
  readonly weight: number;
  /** Price per token: the configured one, else a moving average of what the provider reported, else undefined. */
  readonly costPerToken: number | undefined;
  /** Calls this router has on the deployment now (counted from the pick to the end of the call). */
  readonly inFlight: number;
  /** The deployment's concurrency limiter, if it has one (its units in use, `inUse`, across processes when its store is shared, and its limit). */
  readonly limiter: ConcurrencyLimiter | undefined;
  /** Moving average of the time to first chunk of its streams, in ms (undefined until one succeeded). */
  readonly ttftMs: number | undefined;
  /** Moving average of the total time of its `generate` and `embed` calls, in ms. */
  readonly totalMs: number | undefined;
  /** Successful calls measured so far. */
  readonly samples: number;
}

/** The call being placed. Reused between calls: read it, do not keep it. */
export interface PickContext {
  readonly operation: Operation;
  /** Uniform in [0, 1), from the alias's seeded generator: strategies that draw use this, so runs repeat. */
  random(): number;
}

/**
 * Picks the deployment that serves a call: returns an index into
 * `candidates` (the healthy deployments, in the alias's order, never empty).
 * Runs on every call, so it must be quick and must not throw. The chosen one
 * is tried first; on failure the call moves through the alias's other
 * deployments in their order, then the alias's fallbacks.
 */
export interface AliasStrategy {
  (candidates: readonly DeploymentView[], context: PickContext): number;
  /** Shown by `explain`. Default: the function's name. */
  label?: string;
  /** Why `chosen` is the pick, for `explain`. */
  why?: (chosen: DeploymentView, candidates: readonly DeploymentView[], context: PickContext) => string;
}

export type StrategyName = 'ordered' | 'weighted' | 'least-busy' | 'latency' | 'cost';

const strategy = (pick: AliasStrategy, label: StrategyName, why: NonNullable<AliasStrategy['why']>): AliasStrategy =>
  Object.assign(pick, { label, why });

const ms = (value: number | undefined): string => (value === undefined ? 'unmeasured' : `${value.toFixed(1)} ms`);

/** The first healthy deployment: the rest are spares, in order. */
export function ordered(): AliasStrategy {
  return strategy(
    () => 0,
    'ordered',
    (chosen) => `the first healthy deployment (#${chosen.index})`,
  );
}

/** At random, in proportion to the deployments' weights (drawn from the alias's seeded generator). */
export function weighted(): AliasStrategy {
  const total = (candidates: readonly DeploymentView[]): number => {
    let sum = 0;
    for (const candidate of candidates) sum += candidate.weight;
    return sum;
  };
  return strategy(
    (candidates, context) => {
      let left = context.random() * total(candidates);
      for (let i = 0; i < candidates.length - 1; i++) {
        left -= candidates[i]!.weight;
        if (left < 0) return i;
      }
      return candidates.length - 1;
    },
    'weighted',
    (chosen, candidates) => `random in proportion to weight: this one has ${((100 * chosen.weight) / total(candidates)).toFixed(0)}% of the healthy weight`,
  );
}

/**
 * Units in use: the limiter's (which counts costs, and every router sharing
 * its store, in other processes too when the store is shared) or this
 * router's calls, whichever is more.
 */
const load = (deployment: DeploymentView): number => Math.max(deployment.inFlight, deployment.limiter?.inUse ?? 0);

/**
 * Whether a call would start now rather than queue, given the deployment's
 * `load` (its limiter's `canTake()`, and this router's calls under the limit,
 * from the units already read: a pick reads each limiter once).
 */
const hasRoom = (deployment: DeploymentView, units: number): boolean => {
  const { limiter } = deployment;
  return !limiter || (limiter.queued === 0 && units + Math.min(1, limiter.limit) <= limiter.limit);
};

/**
 * Fewest calls in flight, or fewest units when a limiter counts costs.
 * A deployment at its limiter's limit is taken only when none has room;
 * ties go to the earlier deployment.
 */
export function leastBusy(): AliasStrategy {
  return strategy(
    (candidates) => {
      let best = 0;
      let bestLoad = load(candidates[0]!);
      let bestRoom = hasRoom(candidates[0]!, bestLoad);
      for (let i = 1; i < candidates.length; i++) {
        const candidate = candidates[i]!;
        const units = load(candidate);
        const room = hasRoom(candidate, units);
        if ((room && !bestRoom) || (room === bestRoom && units < bestLoad)) {
          best = i;
          bestRoom = room;
          bestLoad = units;
        }
      }
      return best;
    },
    'least-busy',
    (chosen) => {
      const units = load(chosen);
      return `least busy: ${units} in use${hasRoom(chosen, units) ? '' : ' (all at their limit)'}`;
    },
  );
}

export interface LatencyOptions {
  /** Share of calls sent to a random deployment other than the fastest, so a slow or recovered one is measured again. Default 0.05. */
  explore?: number;
  /** Deployments within this fraction of the fastest share its calls at random. Default 0.2. */
  tolerance?: number;
}

/**
 * Lowest moving average of time to first chunk (streams) or total time
 * (`generate`, `embed`). An unmeasured deployment is tried first (while it
 * has no call in flight, so calls placed together spread); a share of
 * calls (`explore`) goes to a random one other than the fastest, so none is
 * starved forever and one that became fast again is noticed; those within
 * `tolerance` of the fastest share the rest at random.
 */
export function latency(options: LatencyOptions = {}): AliasStrategy {
  const explore = options.explore ?? 0.05;
  const tolerance = options.tolerance ?? 0.2;
  const latencyOf = (deployment: DeploymentView, operation: Operation): number | undefined =>
    operation === 'stream' ? deployment.ttftMs : deployment.totalMs;
  return strategy(
    (candidates, context) => {
      const { operation } = context;
      let fastest = -1;
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < candidates.length; i++) {
        const candidate = candidates[i]!;
        const ms = latencyOf(candidate, operation);
        // Unmeasured: tried first, one call at a time, so calls placed together spread over the cold ones.
        if (ms === undefined) {
          if (candidate.inFlight === 0) return i;
        } else if (ms < best) {
          best = ms;
          fastest = i;
        }
      }
      if (fastest < 0) return Math.floor(context.random() * candidates.length);
      if (context.random() < explore) return (fastest + 1 + Math.floor(context.random() * (candidates.length - 1))) % candidates.length;
      const limit = best * (1 + tolerance);
      let near = 0;
      for (const candidate of candidates) if ((latencyOf(candidate, operation) ?? limit + 1) <= limit) near++;
      let draw = Math.floor(context.random() * near);
      for (let i = 0; i < candidates.length; i++) {
        if ((latencyOf(candidates[i]!, operation) ?? limit + 1) <= limit && draw-- === 0) return i;
      }
      return fastest;
    },
    'latency',
    (chosen, _, context) => {
      const measured = latencyOf(chosen, context.operation);
      return measured === undefined
        ? 'not measured yet: tried first'
        : `${context.operation === 'stream' ? 'time to first chunk' : 'total time'} ${ms(measured)}, within ${Math.round(tolerance * 100)}% of the fastest (${Math.round(explore * 100)}% of calls explore)`;
    },
  );
}

/**
 * Cheapest price per token first (configured, else reported by the
 * provider). A deployment without a configured price is tried once, to learn
 * the price its provider reports; if none is reported it comes last. Ties
 * go to the earlier.
 */
export function cost(): AliasStrategy {
  const price = (deployment: DeploymentView): number =>
    deployment.costPerToken ?? (deployment.samples === 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  return strategy(
    (candidates) => {
      let best = 0;
      for (let i = 1; i < candidates.length; i++) if (price(candidates[i]!) < price(candidates[best]!)) best = i;
      return best;
    },
    'cost',
    (chosen) =>
      chosen.costPerToken !== undefined
        ? `cheapest: ${chosen.costPerToken} per token`
        : chosen.samples === 0
          ? 'no price known yet: tried to learn the one its provider reports'
          : 'no healthy deployment has a known price: the first',
  );
}

/** The built-in strategies by name. */
export const strategies: Readonly<Record<StrategyName, () => AliasStrategy>> = {
  ordered,
  weighted,
  'least-busy': leastBusy,
  latency,
  cost,
};
