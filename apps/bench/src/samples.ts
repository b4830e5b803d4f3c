import type { IntegrityCounts } from './integrity.ts';
import type { Samples } from './rounds.ts';
import type { RunReport } from './variant.ts';

/** A rate read from one run of one worker. */
export type Rate = (run: RunReport) => number;

/** CPU microseconds per operation. */
export const cpuPerOp: Rate = (run) => run.cpuUs / run.count;
/** CPU microseconds per chunk (streams). */
export const cpuPerChunk: Rate = (run) => run.cpuUs / run.chunks;
/** Operations completed per second of wall time. */
export const opsPerSecond: Rate = (run) => (run.count / run.wallMs) * 1000;

/** The rate of every run, over all processes and rounds. */
export function everyRun(samples: Samples, rate: Rate): number[] {
  return samples.runs.flatMap((runs) => runs.map(rate));
}

/** Every value of a per-operation measure (latency, time to first token) of each process, over its rounds. */
export function byProcess(samples: Samples, pick: (run: RunReport) => readonly number[]): number[][] {
  return samples.runs.map((runs) => runs.flatMap(pick));
}

/** Chunks checked by the variant's workers over their whole life, summed over processes. */
export function integrityOf(samples: Samples): IntegrityCounts {
  const total: IntegrityCounts = { streams: 0, lost: 0, duplicated: 0, reordered: 0 };
  for (const runs of samples.runs) {
    const last = runs.at(-1)?.integrity;
    if (!last) continue;
    total.streams += last.streams;
    total.lost += last.lost;
    total.duplicated += last.duplicated;
    total.reordered += last.reordered;
  }
  return total;
}
