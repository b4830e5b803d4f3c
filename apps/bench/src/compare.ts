import { atMost, figure, mustBeZero, type Figure, type Figures } from './figures.ts';
import type { IntegrityCounts } from './integrity.ts';
import { median, p99 } from './stats.ts';

type Quantile = 'p50' | 'p99';

const quantiles: Record<Quantile, (values: readonly number[]) => number> = { p50: median, p99 };

/**
 * A time per operation on both sides at p50 and p99, and what the router
 * adds at each (router minus direct). `goal` holds the added time at one
 * quantile to a limit in milliseconds.
 */
export function addedTime(prefix: string, direct: readonly number[], router: readonly number[], goal: { at: Quantile; limitMs: number }): Figures {
  const figures: Figures = {};
  for (const [name, of] of Object.entries(quantiles)) {
    const d = of(direct);
    const r = of(router);
    figures[`${prefix}.${name}.direct`] = figure(d, 'ms');
    figures[`${prefix}.${name}.router`] = figure(r, 'ms');
    figures[`${prefix}.${name}.added`] = name === goal.at ? atMost(r - d, 'ms', goal.limitMs) : figure(r - d, 'ms');
  }
  return figures;
}

/**
 * The median of round-by-round ratios: each round's router cost over the
 * same round's direct cost. Pairing neighbouring measurements cancels the
 * machine's slow drift, which a ratio of overall medians would not.
 */
export function pairedRatio(direct: readonly number[], router: readonly number[]): number {
  return median(router.map((r, round) => r / direct[round]!));
}

/** Medians over rounds of a cost on both sides, and router / direct (paired by round) held to `limit`. */
export function costRatio(prefix: string, unit: string, direct: readonly number[], router: readonly number[], limit: number): Figures {
  return {
    [`${prefix}.direct`]: figure(median(direct), unit),
    [`${prefix}.router`]: figure(median(router), unit),
    [`${prefix}.ratio`]: atMost(pairedRatio(direct, router), '×', limit, `≤ ${limit.toFixed(2)}×`),
  };
}

/** Lost, duplicated and reordered chunks over every variant: each must be zero, or the run is invalid. */
export function integrityFigures(prefix: string, samples: readonly { integrity: IntegrityCounts }[]): Figures {
  const counts = { lost: 0, duplicated: 0, reordered: 0 };
  for (const { integrity } of samples) {
    counts.lost += integrity.lost;
    counts.duplicated += integrity.duplicated;
    counts.reordered += integrity.reordered;
  }
  const figures: Record<string, Figure> = {
    [`${prefix}.lostChunks`]: mustBeZero(counts.lost, 'chunks'),
    [`${prefix}.duplicatedChunks`]: mustBeZero(counts.duplicated, 'chunks'),
    [`${prefix}.reorderedChunks`]: mustBeZero(counts.reordered, 'chunks'),
  };
  return figures;
}
