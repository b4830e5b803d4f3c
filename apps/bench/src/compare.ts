import { createRandom } from '@router/testing';
import { atMost, figure, mustBeZero, type Figures } from './figures.ts';
import type { Samples } from './rounds.ts';
import { everyRun, integrityOf, type Rate } from './samples.ts';
import { median, p99, quantile } from './stats.ts';

type Quantile = 'p50' | 'p99';

const quantiles: Record<Quantile, (values: readonly number[]) => number> = { p50: median, p99 };

/**
 * A time per operation on both sides at p50 and p99 (`direct[p]`: every
 * value process p measured), and what the router adds at each (router minus
 * direct, over all processes). `goal` holds the added time at one quantile
 * to a limit in milliseconds, judged on its interval (`addedNoise`). The
 * sample counts come first: a p99
 * of a few hundred samples is the third or fourth slowest, and swings with
 * where a garbage collection lands.
 */
export function addedTime(prefix: string, direct: readonly number[][], router: readonly number[][], goal: { at: Quantile; limitMs: number }): Figures {
  const figures: Figures = {
    [`${prefix}.samples.direct`]: figure(direct.flat().length, 'calls'),
    [`${prefix}.samples.router`]: figure(router.flat().length, 'calls'),
  };
  const noise = addedNoise(direct, router, quantiles[goal.at]);
  for (const [name, of] of Object.entries(quantiles)) {
    const d = of(direct.flat());
    const r = of(router.flat());
    figures[`${prefix}.${name}.direct`] = figure(d, 'ms');
    figures[`${prefix}.${name}.router`] = figure(r, 'ms');
    figures[`${prefix}.${name}.added`] = name === goal.at ? atMost(r - d, 'ms', goal.limitMs, undefined, noise) : figure(r - d, 'ms');
  }
  if (noise !== undefined) figures[`${prefix}.${goal.at}.addedNoise`] = figure(noise, '±ms');
  return figures;
}

const bootstrapRounds = 400;

/**
 * How far an added time at a quantile can be trusted: the half-width of a
 * 95% interval of router minus direct, the wider of two estimates. Within
 * the run: a bootstrap (each side's pooled values resampled with
 * replacement, seeded, so a run's figures are reproducible from its
 * samples); a tail quantile moves with where a garbage collection landed.
 * Between replicates: the difference process by process (process p of one
 * side against process p of the other), with Student's t for so few, since
 * identical processes differ and pooling alone cannot show it.
 */
export function addedNoise(direct: readonly number[][], router: readonly number[][], of: (values: readonly number[]) => number): number | undefined {
  const d = direct.flat();
  const r = router.flat();
  if (d.length < 2 || r.length < 2) return undefined;
  const random = createRandom(0x5eed);
  const resample = (values: readonly number[]): number[] => Array.from(values, () => values[Math.floor(random() * values.length)]!);
  const differences = Array.from({ length: bootstrapRounds }, () => of(resample(r)) - of(resample(d)));
  const bootstrap = (quantile(differences, 0.975) - quantile(differences, 0.025)) / 2;
  const perProcess = direct.map((values, p) => of(router[p] ?? []) - of(values)).filter(Number.isFinite);
  return perProcess.length < 2 ? bootstrap : Math.max(bootstrap, replicateHalfWidth(perProcess));
}

/**
 * Half the width of the 95% bootstrap interval of the median of `values`
 * (seeded). Unlike an interval from the spread, a few outliers (a batch the
 * scheduler preempted) do not blow it up.
 */
export function medianBootstrapNoise(values: readonly number[]): number | undefined {
  if (values.length < 2) return undefined;
  const random = createRandom(0x5eed);
  const medians = Array.from({ length: bootstrapRounds }, () => median(Array.from(values, () => values[Math.floor(random() * values.length)]!)));
  return (quantile(medians, 0.975) - quantile(medians, 0.025)) / 2;
}

/**
 * The median of paired ratios: each run of `other` over the run of `base`
 * in the same round and process slot. Pairing neighbouring measurements
 * cancels the machine's slow drift, which a ratio of overall medians would
 * not, and the median leaves out the odd run a major collection landed in.
 */
export function pairedRatio(base: Samples, other: Samples, rate: Rate): number {
  return median(base.runs.flatMap((runs, p) => runs.map((run, round) => rate(other.runs[p]![round]!) / rate(run))));
}

/** Two-sided 95% quantiles of Student's t for 1 to 10 degrees of freedom (few replicates need wide margins). */
const t95 = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];

/**
 * How far the ratio of two variants can be trusted: the half-width of a 95%
 * interval, the wider of two estimates. Between replicates: the mean ratio
 * over the processes (process p of one variant against process p of the
 * other), or with a single process over its rounds, with Student's t for so
 * few. Within the run: the median of every paired ratio, from their spread.
 * Three processes alone can agree by chance (a ±2% interval was once
 * measured where identical code then differed by 3.5%); the pairs cannot.
 */
export function ratioNoise(base: Samples, other: Samples, rate: Rate): number | undefined {
  const perRound = (p: number): number[] => base.runs[p]!.map((run, round) => rate(other.runs[p]![round]!) / rate(run));
  const replicates = base.runs.length > 1 ? base.runs.map((_, p) => median(perRound(p))) : perRound(0);
  if (replicates.length < 2) return undefined;
  const pairsHalfWidth = medianHalfWidth(base.runs.flatMap((_, p) => perRound(p)));
  return Math.max(pairsHalfWidth, replicateHalfWidth(replicates));
}

/** Half the width of a 95% interval of the mean of a few replicates (Student's t). */
function replicateHalfWidth(replicates: readonly number[]): number {
  return (t95[replicates.length - 2] ?? 2) * Math.sqrt(sampleVariance(replicates) / replicates.length);
}

/** Half the width of a 95% interval of the median of `values`, from their spread (normal approximation). */
function medianHalfWidth(values: readonly number[]): number {
  // The standard error of a median is about 1.2533 times that of a mean (normal data).
  return 1.96 * 1.2533 * Math.sqrt(sampleVariance(values) / values.length);
}

function sampleVariance(values: readonly number[]): number {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
}

/**
 * A cost on both sides (median over rounds), router / direct paired by round
 * and held to `limit` on its interval, and the noise of that ratio where it can be estimated.
 */
export function costRatio(prefix: string, unit: string, direct: Samples, router: Samples, rate: Rate, limit: number): Figures {
  const noise = ratioNoise(direct, router, rate);
  const figures: Figures = {
    [`${prefix}.direct`]: figure(median(everyRun(direct, rate)), unit),
    [`${prefix}.router`]: figure(median(everyRun(router, rate)), unit),
    [`${prefix}.ratio`]: atMost(pairedRatio(direct, router, rate), '×', limit, `≤ ${limit.toFixed(2)}×`, noise),
  };
  if (noise !== undefined) figures[`${prefix}.ratioNoise`] = figure(noise, '±×');
  return figures;
}

/** Lost, duplicated and reordered chunks over every variant: each must be zero, or the run is invalid. */
export function integrityFigures(prefix: string, samples: readonly Samples[]): Figures {
  const counts = { lost: 0, duplicated: 0, reordered: 0 };
  for (const s of samples) {
    const integrity = integrityOf(s);
    counts.lost += integrity.lost;
    counts.duplicated += integrity.duplicated;
    counts.reordered += integrity.reordered;
  }
  return {
    [`${prefix}.lostChunks`]: mustBeZero(counts.lost, 'chunks'),
    [`${prefix}.duplicatedChunks`]: mustBeZero(counts.duplicated, 'chunks'),
    [`${prefix}.reorderedChunks`]: mustBeZero(counts.reordered, 'chunks'),
  };
}
