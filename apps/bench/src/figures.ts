/** One measured figure, with the goal it is held to where the issue sets one. */
export interface Figure {
  value: number;
  unit: string;
  /** The goal, as printed beside the figure. */
  goal?: string;
  holds?: boolean;
  /** A correctness check (lost or duplicated chunks, a failed call): when it fails, the harness fails. */
  correctness?: boolean;
}

/** A case's figures by name, in the order they are printed. */
export type Figures = Record<string, Figure>;

export const figure = (value: number, unit: string): Figure => ({ value, unit });

export const atMost = (value: number, unit: string, limit: number, goal = `≤ ${limit} ${unit}`): Figure => ({
  value,
  unit,
  goal,
  holds: value <= limit,
});

export const atLeast = (value: number, unit: string, limit: number, goal = `≥ ${limit} ${unit}`): Figure => ({
  value,
  unit,
  goal,
  holds: value >= limit,
});

/** A count that must be zero for the run to be valid at all. */
export const mustBeZero = (value: number, unit: string): Figure => ({ value, unit, goal: '= 0', holds: value === 0, correctness: true });
