import { addedTime, costRatio, integrityFigures } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import type { Figures } from '../figures.ts';
import { IntegrityCheck } from '../integrity.ts';
import { generateOp } from '../ops.ts';
import { alternate } from '../rounds.ts';
import { benchModels } from '../simulator/models.ts';
import { aiPair, openaiPair } from '../targets/pairs.ts';

/** Case 1: one non-streaming call at a time; what the router adds to latency and CPU per request. */
export const generateCase: BenchCase = {
  key: 'generate',
  title: 'generate at concurrency 1 (24-word reply, unpaced)',
  async run({ sim, quick, progress }) {
    const plan = quick ? { rounds: 4, perRound: 100, warmup: 100 } : { rounds: 10, perRound: 200, warmup: 300 };
    const figures: Figures = {};
    for (const pair of [openaiPair(sim), aiPair(sim)]) {
      progress(`generate: ${pair.path} path, ${plan.rounds} rounds of ${plan.perRound} calls each way`);
      const check = new IntegrityCheck(benchModels.short);
      const [direct, router] = await alternate(
        [generateOp(pair.direct, benchModels.short, check), generateOp(pair.router, benchModels.short, check)],
        plan,
      );
      Object.assign(
        figures,
        addedTime(`${pair.path}.latency`, direct!.latencyMs, router!.latencyMs, { at: 'p50', limitMs: 0.1 }),
        costRatio(`${pair.path}.cpuPerRequest`, 'µs', direct!.cpuUsPerOp, router!.cpuUsPerOp, 1.1),
        integrityFigures(pair.path, check.counts),
      );
    }
    return figures;
  },
};
