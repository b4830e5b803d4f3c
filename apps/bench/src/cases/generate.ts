import { addedTime, costRatio, integrityFigures } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import type { Figures } from '../figures.ts';
import { alternate } from '../rounds.ts';
import { benchModels } from '../simulator/models.ts';
import type { Sdk } from '../targets/build.ts';
import { directVsRouter } from '../variant.ts';

/** Case 1: one non-streaming call at a time; what the router adds to latency and CPU per request. */
export const generateCase: BenchCase = {
  key: 'generate',
  title: `generate at concurrency 1 (${benchModels.short.chunks}-word reply, unpaced)`,
  async run({ sim, quick, progress }) {
    const plan = quick ? { rounds: 6, roundMs: 250, warmupMs: 1_000 } : { rounds: 16, roundMs: 300, warmupMs: 3_000 };
    const figures: Figures = {};
    for (const sdk of ['openai', 'ai'] satisfies Sdk[]) {
      progress(`generate: ${sdk} path, ${plan.rounds} rounds of ${plan.roundMs} ms each way`);
      const [direct, router] = await alternate(sim, directVsRouter(sdk, 'generate', 'short'), plan);
      Object.assign(
        figures,
        addedTime(`${sdk}.latency`, direct!.latencyMs, router!.latencyMs, { at: 'p50', limitMs: 0.1 }),
        costRatio(`${sdk}.cpuPerRequest`, 'µs', direct!.cpuUsPerOp, router!.cpuUsPerOp, 1.1),
        integrityFigures(sdk, [direct!, router!]),
      );
    }
    return figures;
  },
};
