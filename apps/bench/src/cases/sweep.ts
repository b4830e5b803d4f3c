import { integrityFigures, pairedRatio } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { atLeast, figure, type Figures } from '../figures.ts';
import { IntegrityCheck } from '../integrity.ts';
import { streamOp } from '../ops.ts';
import { alternate } from '../rounds.ts';
import { benchModels } from '../simulator/models.ts';
import { median } from '../stats.ts';
import { openaiPair } from '../targets/pairs.ts';

const model = benchModels.paced;
/** The level the throughput goal applies to. */
const goalLevel = 256;

/** Case 3: paced streams at rising concurrency; throughput, and not one chunk lost, repeated or out of order. */
export const sweepCase: BenchCase = {
  key: 'sweep',
  title: `concurrency sweep of paced streams (${model.chunks} chunks at ${model.profile.tokensPerSecond}/s after ${model.profile.ttftMs} ms), openai path`,
  async run({ sim, quick, progress }) {
    const levels = quick ? [1, 16, 64] : [1, 16, 64, 256];
    const rounds = quick ? 2 : 4;
    const pair = openaiPair(sim);
    const check = new IntegrityCheck(model);
    const variants = [streamOp(pair.direct, model, check), streamOp(pair.router, model, check)];
    const figures: Figures = {};
    for (const concurrency of levels) {
      // Enough streams per round for every worker to run several after the first wave.
      const perRound = Math.max(quick ? 4 : 8, concurrency * (quick ? 3 : 4));
      progress(`sweep: ${concurrency} at once, ${rounds} rounds of ${perRound} streams each way`);
      const [direct, router] = await alternate(variants, { rounds, perRound, warmup: concurrency, concurrency });
      const ratio = pairedRatio(direct!.opsPerSecond, router!.opsPerSecond);
      figures[`c${concurrency}.direct`] = figure(median(direct!.opsPerSecond), 'streams/s');
      figures[`c${concurrency}.router`] = figure(median(router!.opsPerSecond), 'streams/s');
      figures[`c${concurrency}.ratio`] = concurrency === goalLevel ? atLeast(ratio, '×', 0.95, '≥ 0.95×') : figure(ratio, '×');
    }
    figures.streamsChecked = figure(check.counts.streams, 'streams');
    return { ...figures, ...integrityFigures('all', check.counts) };
  },
};
