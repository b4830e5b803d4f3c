import { addedTime, costRatio, integrityFigures } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import type { Figures } from '../figures.ts';
import { IntegrityCheck } from '../integrity.ts';
import { streamOp } from '../ops.ts';
import { alternate } from '../rounds.ts';
import { benchModels } from '../simulator/models.ts';
import { aiPair, openaiPair } from '../targets/pairs.ts';

/** Case 2: long streams one at a time; what the router adds to the first token and to each chunk. */
export const streamCase: BenchCase = {
  key: 'stream',
  title: `stream of ${benchModels.long.chunks} chunks (unpaced), one at a time`,
  async run({ sim, quick, progress }) {
    const plan = quick ? { rounds: 5, perRound: 8, warmup: 10 } : { rounds: 16, perRound: 20, warmup: 60 };
    const figures: Figures = {};
    for (const pair of [openaiPair(sim), aiPair(sim)]) {
      progress(`stream: ${pair.path} path, ${plan.rounds} rounds of ${plan.perRound} streams each way`);
      const check = new IntegrityCheck(benchModels.long);
      const [direct, router] = await alternate([streamOp(pair.direct, benchModels.long, check), streamOp(pair.router, benchModels.long, check)], plan);
      Object.assign(
        figures,
        addedTime(`${pair.path}.ttft`, direct!.ttftMs, router!.ttftMs, { at: 'p99', limitMs: 0.5 }),
        costRatio(`${pair.path}.cpuPerChunk`, 'µs', direct!.cpuUsPerChunk, router!.cpuUsPerChunk, 1.2),
        integrityFigures(pair.path, check.counts),
      );
    }
    return figures;
  },
};
