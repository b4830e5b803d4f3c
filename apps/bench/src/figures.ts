import { atLeastVerdict, atMostVerdict, withinVerdict, type Verdict } from './verdict.ts';

/** One measured figure, with the goal it is held to where the issue sets one. */
export interface Figure {
  value: number;
  unit: string;
  /** The goal, as printed beside the figure. */
  goal?: string;
  /** Judged on the figure's 95% interval where it has one (see verdict.ts), else on its value. */
  verdict?: Verdict;
  /** Half the width of the figure's 95% interval, when the goal was judged on one. */
  noise?: number;
  /** A correctness check (lost or duplicated chunks, a failed call): when it fails, the harness fails. */
  correctness?: boolean;
}

/** A case's figures by name, in the order they are printed. */
export type Figures = Record<string, Figure>;

export const figure = (value: number, unit: string): Figure => ({ value, unit });

const judged = (value: number, unit: string, goal: string, verdict: Verdict, noise: number | undefined): Figure => ({
  value,
  unit,
  goal,
  verdict,
  ...(noise !== undefined && { noise }),
});

/** Goal `value ≤ limit`, on the interval `value ± noise` when there is one. */
export const atMost = (value: number, unit: string, limit: number, goal = `≤ ${limit} ${unit}`, noise?: number): Figure =>
  judged(value, unit, goal, atMostVerdict({ value, noise }, limit), noise);

/** Goal `value ≥ limit`, on the interval `value ± noise` when there is one. */
export const atLeast = (value: number, unit: string, limit: number, goal = `≥ ${limit} ${unit}`, noise?: number): Figure =>
  judged(value, unit, goal, atLeastVerdict({ value, noise }, limit), noise);

/** Goal `low ≤ value ≤ high`, on the interval `value ± noise` when there is one. */
export const within = (value: number, unit: string, low: number, high: number, goal: string, noise?: number): Figure =>
  judged(value, unit, goal, withinVerdict({ value, noise }, low, high), noise);

/** A count that must be zero for the run to be valid at all. */
export const mustBeZero = (value: number, unit: string): Figure => ({
  value,
  unit,
  goal: '= 0',
  verdict: value === 0 ? 'holds' : 'fails',
  correctness: true,
});

/**
 * In a `--quick` run a goal judged on its value alone (no interval: one
 * memory measurement, one turn) has too few samples to say anything, so it
 * is undetermined; goals with an interval already say what their samples
 * support, and correctness checks are exact.
 */
export function quickVerdicts(figures: Figures): Figures {
  const out: Figures = {};
  for (const [name, f] of Object.entries(figures)) {
    out[name] = f.verdict === undefined || f.correctness || f.noise !== undefined ? f : { ...f, verdict: 'undetermined' };
  }
  return out;
}
