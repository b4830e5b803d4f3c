import type { Figures } from './figures.ts';
import type { SimulatorProcess } from './simulator/process.ts';

/** What every case gets. */
export interface BenchContext {
  sim: SimulatorProcess;
  /** Fewer rounds and smaller loads: a smoke run that finishes in under a minute. */
  quick: boolean;
  /** A progress line on standard error (standard output is kept for the results). */
  progress(message: string): void;
}

/** One case of the benchmark: a key for the JSON output, a title for the table, and the run. */
export interface BenchCase {
  key: string;
  title: string;
  run(context: BenchContext): Promise<Figures>;
}
