/**
 * Whether a goal holds, judged on the figure's 95% interval rather than its
 * value alone: a figure whose interval straddles the limit could land on
 * either side in the next run, so it neither holds nor fails, it is
 * undetermined. A goal whose interval is wider than its margin can only say
 * that; more samples narrow the interval.
 */
export type Verdict = 'holds' | 'fails' | 'undetermined';

/** A 95% interval, as the value and half its width (0 for an exact count). */
export interface Estimate {
  value: number;
  /** Half the width of the 95% interval; undefined when the run could not estimate it. */
  noise: number | undefined;
}

/** A judgement on the value alone, for a figure that has no interval (say, a single measurement). */
const pointVerdict = (holds: boolean): Verdict => (holds ? 'holds' : 'fails');

/** Goal `value ≤ limit`: holds when the whole interval is at or below the limit, fails when all of it is above. */
export function atMostVerdict({ value, noise }: Estimate, limit: number): Verdict {
  if (noise === undefined) return pointVerdict(value <= limit);
  if (value + noise <= limit) return 'holds';
  if (value - noise > limit) return 'fails';
  return 'undetermined';
}

/** Goal `value ≥ limit`: holds when the whole interval is at or above the limit, fails when all of it is below. */
export function atLeastVerdict({ value, noise }: Estimate, limit: number): Verdict {
  if (noise === undefined) return pointVerdict(value >= limit);
  if (value - noise >= limit) return 'holds';
  if (value + noise < limit) return 'fails';
  return 'undetermined';
}

/** Goal `low ≤ value ≤ high` (an equivalence): holds when the whole interval is inside, fails when none of it is. */
export function withinVerdict({ value, noise }: Estimate, low: number, high: number): Verdict {
  if (noise === undefined) return pointVerdict(value >= low && value <= high);
  if (value - noise >= low && value + noise <= high) return 'holds';
  if (value + noise < low || value - noise > high) return 'fails';
  return 'undetermined';
}
