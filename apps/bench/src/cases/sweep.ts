import { integrityFigures, pairedRatio } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { atLeast, figure, type Figures } from '../figures.ts';
import { openVariants, type Samples } from '../rounds.ts';
import { benchModels } from '../simulator/models.ts';
import { median } from '../stats.ts';
import { directVsRouter } from '../variant.ts';

const model = benchModels.paced;
/** The level the throughput goal applies to. */
const goalLevel = 256;

/** Case 3: paced streams at rising concurrency; throughput, and not one chunk lost, repeated or out of order. */
export const sweepCase: BenchCase = {
  key: 'sweep',
  title: `concurrency sweep of paced streams (${model.chunks} chunks at ${model.profile.tokensPerSecond}/s after ${model.profile.ttftMs} ms), openai path`,
  async run({ sim, quick, progress }) {
    const levels = quick ? [1, 16, 64] : [1, 16, 64, 256];
    const plan = quick ? { rounds: 2, roundMs: 700, warmupMs: 500 } : { rounds: 3, roundMs: 1_200, warmupMs: 1_000 };
    const figures: Figures = {};
    let last: Samples[] = [];
    const variants = await openVariants(sim, directVsRouter('openai', 'stream', 'paced'));
    try {
      for (const concurrency of levels) {
        progress(`sweep: ${concurrency} at once, ${plan.rounds} rounds of ${plan.roundMs} ms each way`);
        const [direct, router] = (last = await variants.measure({ ...plan, concurrency }));
        const ratio = pairedRatio(direct!.opsPerSecond, router!.opsPerSecond);
        figures[`c${concurrency}.direct`] = figure(median(direct!.opsPerSecond), 'streams/s');
        figures[`c${concurrency}.router`] = figure(median(router!.opsPerSecond), 'streams/s');
        figures[`c${concurrency}.ratio`] = concurrency === goalLevel ? atLeast(ratio, '×', 0.95, '≥ 0.95×') : figure(ratio, '×');
      }
    } finally {
      await variants.close();
    }
    // The workers count over their whole life: the last measurement holds every stream of the sweep.
    figures.streamsChecked = figure(last.reduce((sum, s) => sum + s.integrity.streams, 0), 'streams');
    return { ...figures, ...integrityFigures('all', last) };
  },
};
