import { integrityFigures, pairedRatio, ratioNoise } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { atLeast, figure, type Figures } from '../figures.ts';
import { openVariants, type Samples } from '../rounds.ts';
import { everyRun, integrityOf, opsPerSecond } from '../samples.ts';
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
    // Three processes per side: every worker warms up at once, and four of them per side (2,048 streams opening
    // together at the 256 level) once made the simulator drop connections on a loaded machine.
    const plan = quick ? { processes: 1, rounds: 2, roundMs: 500, warmupMs: 300 } : { processes: 3, rounds: 3, roundMs: 700, warmupMs: 1_000 };
    const figures: Figures = {};
    let last: Samples[] = [];
    // The same workers go through every level; their chunk counts add up over the whole sweep.
    const variants = await openVariants(sim, directVsRouter('openai', 'stream', 'paced'), plan);
    try {
      for (const concurrency of levels) {
        // The goal's level gets more and longer rounds: 256 streams in flight make a short round mostly ramp-up and
        // ramp-down, and three 700 ms rounds measured the ratio only to ±0.15 (six of 1.5 s on three processes: ±0.22).
        const rounds = concurrency === goalLevel ? { rounds: 8, roundMs: 1_500 } : {};
        const level = { ...plan, ...rounds, concurrency };
        progress(`sweep: ${concurrency} at once, ${plan.processes} process(es) per side, ${level.rounds} rounds of ${level.roundMs} ms each`);
        const [direct, router] = (last = await variants.measure(level));
        const ratio = pairedRatio(direct!, router!, opsPerSecond);
        figures[`c${concurrency}.direct`] = figure(median(everyRun(direct!, opsPerSecond)), 'streams/s');
        figures[`c${concurrency}.router`] = figure(median(everyRun(router!, opsPerSecond)), 'streams/s');
        const noise = ratioNoise(direct!, router!, opsPerSecond);
        figures[`c${concurrency}.ratio`] = concurrency === goalLevel ? atLeast(ratio, '×', 0.95, '≥ 0.95×', noise) : figure(ratio, '×');
        if (noise !== undefined) figures[`c${concurrency}.ratioNoise`] = figure(noise, '±×');
      }
    } finally {
      await variants.close();
    }
    figures.streamsChecked = figure(
      last.reduce((sum, s) => sum + integrityOf(s).streams, 0),
      'streams',
    );
    return { ...figures, ...integrityFigures('all', last) };
  },
};
