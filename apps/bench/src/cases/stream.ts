import { addedTime, costRatio, integrityFigures, pairedRatio, ratioNoise } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { atMost, figure, type Figures } from '../figures.ts';
import { alternate } from '../rounds.ts';
import { byProcess, cpuPerChunk, everyRun } from '../samples.ts';
import { median } from '../stats.ts';
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
    // The router over each adapter on the same stream, paired round by round: what reading OpenRouter
    // through the AI SDK's provider costs next to reading the OpenAI wire with the openai SDK.
    const plan = quick ? { processes: 1, rounds: 4, roundMs: 250, warmupMs: 700 } : { processes: 5, rounds: 8, roundMs: 800, warmupMs: 5_000 };
    progress(`stream: router over openrouter vs over openai-compatible, ${plan.processes} process(es) each, ${plan.rounds} rounds of ${plan.roundMs} ms`);
    const [openai, openrouter] = await alternate(
      sim,
      [
        { label: 'openai', sdk: 'openai', side: 'router', operation: 'stream', model: 'long' },
        { label: 'openrouter', sdk: 'ai', side: 'router', operation: 'stream', model: 'long' },
      ],
      plan,
    );
    const noise = ratioNoise(openai!, openrouter!, cpuPerChunk);
    figures['routers.cpuPerChunk.openai'] = figure(median(everyRun(openai!, cpuPerChunk)), 'µs');
    figures['routers.cpuPerChunk.openrouter'] = figure(median(everyRun(openrouter!, cpuPerChunk)), 'µs');
    figures['routers.cpuPerChunk.ratio'] = atMost(pairedRatio(openai!, openrouter!, cpuPerChunk), '×', 1.5, '≤ 1.50×', noise);
    if (noise !== undefined) figures['routers.cpuPerChunk.ratioNoise'] = figure(noise, '±×');
    Object.assign(figures, integrityFigures('routers', [openai!, openrouter!]));
    return figures;
  },
};
