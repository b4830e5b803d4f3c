import { addedTime, costRatio, integrityFigures } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { figure, type Figures } from '../figures.ts';
import { alternate } from '../rounds.ts';
import { byProcess, cpuPerChunk, everyRun } from '../samples.ts';
import { benchTools } from '../simulator/models.ts';
import { median } from '../stats.ts';
import { directVsRouter } from '../variant.ts';

/**
 * Case 12: a stream of tool calls one at a time, the router's parts view over
 * `@router/openai-compatible` against the `openai` SDK read delta by delta;
 * what the router adds to the first tool-call delta and to each delta.
 */
export const toolsCase: BenchCase = {
  key: 'tools',
  title: `tool-call stream (${benchTools.length} parallel calls, unpaced), one at a time, openai path`,
  async run({ sim, quick, progress }) {
    // As the text stream's openai path: five processes of ten rounds, so the per-delta ratio's interval is as narrow.
    const plan = quick ? { processes: 1, rounds: 4, roundMs: 150, warmupMs: 700 } : { processes: 5, rounds: 10, roundMs: 300, warmupMs: 5_000 };
    progress(`tools: openai path, ${plan.processes} process(es) per side, ${plan.rounds} rounds of ${plan.roundMs} ms each`);
    const [direct, router] = await alternate(sim, directVsRouter('openai', 'tool-stream', 'long'), plan);
    return {
      // Argument deltas per stream, as the router counted them (the direct side's are checked to be the same pieces).
      'openai.deltasPerStream': figure(median(everyRun(router!, (run) => run.chunks / run.count)), 'deltas'),
      ...addedTime('openai.firstDelta', byProcess(direct!, (r) => r.ttftMs), byProcess(router!, (r) => r.ttftMs), { at: 'p99', limitMs: 0.5 }),
      ...costRatio('openai.cpuPerDelta', 'µs', direct!, router!, cpuPerChunk, 1.2),
      ...integrityFigures('openai', [direct!, router!]),
    } satisfies Figures;
  },
};
