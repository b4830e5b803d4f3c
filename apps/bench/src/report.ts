import type { Figure, Figures } from './figures.ts';

/** What a case produced: its figures, or the error that stopped it. */
export interface CaseOutcome {
  /** The case's number in the issues (1 to 8). */
  number: number;
  key: string;
  title: string;
  figures: Figures;
  error?: string;
}

/** Enough digits to compare, no more. */
function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const size = Math.abs(value);
  return value.toFixed(size >= 100 ? 1 : size >= 10 ? 2 : size >= 1 ? 3 : 4);
}

/** Printed so that a failure stands out from a verdict the run could not settle. */
const verdict = (f: Figure): string => (f.verdict === 'fails' ? 'FAILS' : (f.verdict ?? ''));

/** The table: one block per case, one row per figure with its goal and its verdict (holds, FAILS, undetermined). */
export function formatTable(outcomes: readonly CaseOutcome[], header: string): string {
  const rows: string[][] = [];
  const blocks: { title: string; rows: string[][]; error?: string }[] = outcomes.map((outcome) => ({
    title: `${outcome.number}. ${outcome.key}: ${outcome.title}`,
    rows: Object.entries(outcome.figures).map(([name, f]) => [name, formatValue(f.value), f.unit, f.goal ?? '', verdict(f)]),
    ...(outcome.error !== undefined && { error: outcome.error }),
  }));
  for (const block of blocks) rows.push(...block.rows);
  const heads = ['figure', 'value', 'unit', 'goal', 'verdict'];
  const widths = heads.map((head, column) => Math.max(head.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column === 1 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  const out = [header, '', line(heads), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const block of blocks) {
    out.push('', block.title);
    for (const row of block.rows) out.push(line(row));
    if (block.error !== undefined) out.push(`  FAILED: ${block.error}`);
  }
  return out.join('\n');
}

const rounded = (value: number): number => (Number.isFinite(value) && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value);

/** One JSON object keyed by case; each figure `{ value, unit, goal?, verdict?, noise? }`. A failed case carries `error`. */
export function formatJson(outcomes: readonly CaseOutcome[]): string {
  const json: Record<string, Record<string, unknown>> = {};
  for (const outcome of outcomes) {
    const figures: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(outcome.figures)) {
      figures[name] = {
        value: rounded(f.value),
        unit: f.unit,
        ...(f.goal !== undefined && { goal: f.goal, verdict: f.verdict }),
        ...(f.noise !== undefined && { noise: rounded(f.noise) }),
      };
    }
    json[outcome.key] = outcome.error === undefined ? figures : { ...figures, error: outcome.error };
  }
  return JSON.stringify(json, null, 2);
}

/** Whether the run itself is valid: every case ran and no correctness check failed (time goals do not count). */
export function runIsValid(outcomes: readonly CaseOutcome[]): boolean {
  return outcomes.every((o) => o.error === undefined && Object.values(o.figures).every((f) => !f.correctness || f.verdict === 'holds'));
}
