import { addedTime, costRatio, integrityFigures } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import type { Figures } from '../figures.ts';
import { alternate } from '../rounds.ts';
import { cpuPerOp, byProcess } from '../samples.ts';
import { benchModels } from '../simulator/models.ts';
import type { Sdk } from '../targets/build.ts';
import { directVsRouter } from '../variant.ts';

/** Case 1: one non-streaming call at a time; what the router adds to latency and CPU per request. */
export const generateCase: BenchCase = {
  key: 'generate',
  title: `generate at concurrency 1 (${benchModels.short.chunks}-word reply, unpaced)`,
  async run({ sim, quick, progress }) {
    const plan = quick
      ? { processes: 1, rounds: 4, roundMs: 200, warmupMs: 700 }
      : // Five processes of five rounds, not three of eight: the ratio's interval comes from how the processes
        // differ (Student's t for so few), and two more of them halve it for the same time.
        { processes: 5, rounds: 5, roundMs: 200, warmupMs: 5_000 };
    const figures: Figures = {};
    for (const sdk of ['openai', 'ai'] satisfies Sdk[]) {
      progress(`generate: ${sdk} path, ${plan.processes} process(es) per side, ${plan.rounds} rounds of ${plan.roundMs} ms each`);
      const [direct, router] = await alternate(sim, directVsRouter(sdk, 'generate', 'short'), plan);
      Object.assign(
        figures,
        addedTime(`${sdk}.latency`, byProcess(direct!, (r) => r.latencyMs), byProcess(router!, (r) => r.latencyMs), { at: 'p50', limitMs: 0.1 }),
        costRatio(`${sdk}.cpuPerRequest`, 'µs', direct!, router!, cpuPerOp, 1.1),
        integrityFigures(sdk, [direct!, router!]),
      );
    }
    return figures;
  },
};
