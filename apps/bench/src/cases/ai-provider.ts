import { addedTime, costRatio, integrityFigures } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import type { Figures } from '../figures.ts';
import { alternate } from '../rounds.ts';
import { byProcess, cpuPerChunk } from '../samples.ts';
import { benchModels } from '../simulator/models.ts';
import { directVsRouter } from '../variant.ts';

/**
 * Case 14: `streamText` over `@router/ai-sdk`'s provider (the router over
 * `@router/openrouter` underneath) against `streamText` over the OpenRouter
 * provider directly, on the same stream: what moving an AI SDK app onto the
 * router costs per chunk and before the first one.
 */
export const aiProviderCase: BenchCase = {
  key: 'ai-provider',
  title: `streamText over the router provider, stream of ${benchModels.long.chunks} chunks (unpaced), one at a time`,
  async run({ sim, quick, progress }) {
    // As the stream case's ai path: long rounds, since a stream through streamText costs several times the openai path's CPU.
    const plan = quick ? { processes: 1, rounds: 4, roundMs: 250, warmupMs: 700 } : { processes: 5, rounds: 10, roundMs: 800, warmupMs: 5_000 };
    progress(`ai-provider: ${plan.processes} process(es) per side, ${plan.rounds} rounds of ${plan.roundMs} ms each`);
    const [direct, router] = await alternate(sim, directVsRouter('ai-provider', 'stream', 'long'), plan);
    return {
      ...addedTime('streamText.ttft', byProcess(direct!, (r) => r.ttftMs), byProcess(router!, (r) => r.ttftMs), { at: 'p99', limitMs: 0.5 }),
      ...costRatio('streamText.cpuPerChunk', 'µs', direct!, router!, cpuPerChunk, 1.1),
      ...integrityFigures('streamText', [direct!, router!]),
    } satisfies Figures;
  },
};
