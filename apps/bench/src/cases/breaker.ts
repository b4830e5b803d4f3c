import { medianBootstrapNoise } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { atMost, figure, inOneProcess, type Figures } from '../figures.ts';
import { benchScript, runNodeJson } from '../node-process.ts';
import { median } from '../stats.ts';
import type { BreakerResult, BreakerTask } from './breaker-worker.ts';

const levels = [1_000, 10_000, 100_000];
/** Flat: a call with 100,000 calls in the window costs at most this many times one with 1,000. */
const flatLimit = 1.5;

const label = (level: number): string => `${level / 1_000}k`;

/**
 * Case 8: the circuit breaker's failure-rate window, by how many calls it
 * holds. Counting in time buckets makes each call O(1); a window that kept
 * every outcome cost about 100 µs per call at 40,000 calls.
 */
export const breakerCase: BenchCase = {
  key: 'breaker',
  title: `circuit breaker with a failure-rate window: cost per call with ${levels.map(label).join(' / ')} calls in the window`,
  async run({ quick, progress }) {
    const task: BreakerTask = { levels, batches: quick ? 30 : 100, callsPerBatch: 10_000 };
    progress(`breaker: ${task.batches} batches of ${task.callsPerBatch} calls at each of ${levels.length} window sizes, in a fresh process`);
    const { perCallNs } = await runNodeJson<BreakerResult>([benchScript('./cases/breaker-worker.ts'), JSON.stringify(task)]);
    const figures: Figures = {};
    for (const [l, level] of levels.entries()) figures[`perCall.${label(level)}`] = figure(median(perCallNs[l]!), 'ns');
    // Batch b of the largest window against batch b of the smallest: neighbours in time, so drift cancels.
    const ratios = perCallNs.at(-1)!.map((ns, b) => ns / perCallNs[0]![b]!);
    const noise = medianBootstrapNoise(ratios);
    const name = `perCall.${label(levels.at(-1)!)}Vs${label(levels[0]!)}`;
    figures[name] = inOneProcess(atMost(median(ratios), '×', flatLimit, `≤ ${flatLimit.toFixed(2)}×`, noise));
    if (noise !== undefined) figures[`${name}Noise`] = figure(noise, '±×');
    return figures;
  },
};
