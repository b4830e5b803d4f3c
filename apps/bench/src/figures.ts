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
  /**
   * The goal compares variants measured within one process (`inOneProcess`), so the interval holds
   * everything that differs between them; not so for two sides in processes of their own.
   */
  sameProcess?: boolean;
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

/** Marks a goal whose variants were measured within one process (see `sameProcess`). */
export const inOneProcess = (f: Figure): Figure => ({ ...f, sameProcess: true });

/**
 * What a `--quick` run can support. Each side runs in one process, and
 * identical processes differ by 5–10% on a virtual machine, more than most
 * margins, while an interval from one process's rounds cannot show it; a
 * goal on one measurement (memory, the turn) has no interval at all. So only
 * correctness checks and goals compared within one process, judged on their
 * interval, keep a verdict; every other goal is undetermined.
 */
export function quickVerdicts(figures: Figures): Figures {
  const out: Figures = {};
  for (const [name, f] of Object.entries(figures)) {
    const supported = f.verdict === undefined || f.correctness || (f.sameProcess && f.noise !== undefined);
    out[name] = supported ? f : { ...f, verdict: 'undetermined' };
  }
  return out;
}
