import { addedTime, costRatio, integrityFigures } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import type { Figures } from '../figures.ts';
import { alternate } from '../rounds.ts';
import { benchModels } from '../simulator/models.ts';
import type { Sdk } from '../targets/build.ts';
import { directVsRouter } from '../variant.ts';

/** Case 2: long streams one at a time; what the router adds to the first token and to each chunk. */
export const streamCase: BenchCase = {
  key: 'stream',
  title: `stream of ${benchModels.long.chunks} chunks (unpaced), one at a time`,
  async run({ sim, quick, progress }) {
    const plan = quick ? { rounds: 6, roundMs: 300, warmupMs: 1_000 } : { rounds: 16, roundMs: 400, warmupMs: 3_000 };
    const figures: Figures = {};
    for (const sdk of ['openai', 'ai'] satisfies Sdk[]) {
      progress(`stream: ${sdk} path, ${plan.rounds} rounds of ${plan.roundMs} ms each way`);
      const [direct, router] = await alternate(sim, directVsRouter(sdk, 'stream', 'long'), plan);
      Object.assign(
        figures,
        addedTime(`${sdk}.ttft`, direct!.ttftMs, router!.ttftMs, { at: 'p99', limitMs: 0.5 }),
        costRatio(`${sdk}.cpuPerChunk`, 'µs', direct!.cpuUsPerChunk, router!.cpuUsPerChunk, 1.2),
        integrityFigures(sdk, [direct!, router!]),
      );
    }
    return figures;
  },
};
