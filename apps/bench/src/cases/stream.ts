import { addedTime, costRatio, integrityFigures } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import type { Figures } from '../figures.ts';
import { alternate } from '../rounds.ts';
import { cpuPerChunk, byProcess } from '../samples.ts';
import { benchModels } from '../simulator/models.ts';
import type { Sdk } from '../targets/build.ts';
import { directVsRouter } from '../variant.ts';

/** Case 2: long streams one at a time; what the router adds to the first token and to each chunk. */
export const streamCase: BenchCase = {
  key: 'stream',
  title: `stream of ${benchModels.long.chunks} chunks (unpaced), one at a time`,
  async run({ sim, quick, progress }) {
    const figures: Figures = {};
    for (const sdk of ['openai', 'ai'] satisfies Sdk[]) {
      // A stream through the ai SDK costs about 4 times more CPU per chunk: longer rounds give its p99 as many samples.
      // Full runs take over a thousand streams per side, so that p99 is the tenth slowest or beyond, not the third.
      // Five processes of ten rounds rather than three of sixteen: the same streams, and half the interval of the
      // per-chunk ratio, which comes from how the processes differ (Student's t for so few).
      const roundMs = sdk === 'ai' ? (quick ? 250 : 800) : quick ? 150 : 300;
      const plan = quick ? { processes: 1, rounds: 4, roundMs, warmupMs: 700 } : { processes: 5, rounds: 10, roundMs, warmupMs: 5_000 };
      progress(`stream: ${sdk} path, ${plan.processes} process(es) per side, ${plan.rounds} rounds of ${plan.roundMs} ms each`);
      const [direct, router] = await alternate(sim, directVsRouter(sdk, 'stream', 'long'), plan);
      Object.assign(
        figures,
        addedTime(`${sdk}.ttft`, byProcess(direct!, (r) => r.ttftMs), byProcess(router!, (r) => r.ttftMs), { at: 'p99', limitMs: 0.5 }),
        costRatio(`${sdk}.cpuPerChunk`, 'µs', direct!, router!, cpuPerChunk, 1.2),
        integrityFigures(sdk, [direct!, router!]),
      );
    }
    return figures;
  },
};
