import type { BenchCase } from '../context.ts';
import { atMost, figure, type Figures } from '../figures.ts';
import { benchScript, runNodeJson } from '../node-process.ts';
import { median } from '../stats.ts';
import type { CallsResult, MemoryTask, OpenStreamsResult } from './memory-worker.ts';

const KB = 1024;
const MB = 1024 * 1024;

function runWorker<T>(task: MemoryTask): Promise<T> {
  return runNodeJson<T>([benchScript('./cases/memory-worker.ts'), JSON.stringify(task)]);
}

/** Case 4: what an open stream weighs, and whether many calls leave anything behind. */
export const memoryCase: BenchCase = {
  key: 'memory',
  title: 'open streams (openai path), and the heap over many calls through a router with reliability',
  async run({ sim, quick, progress }) {
    const urls = { openaiURL: sim.openaiURL, openrouterURL: sim.openrouterURL };
    const streams = quick ? 300 : 1_000;
    const rounds = quick ? 1 : 2;
    const perStream = { direct: [] as OpenStreamsResult[], router: [] as OpenStreamsResult[] };
    for (let round = 0; round < rounds; round++) {
      // Alternate which side goes first, as the other cases do.
      for (const side of round % 2 === 0 ? (['direct', 'router'] as const) : (['router', 'direct'] as const)) {
        progress(`memory: ${streams} streams held open, ${side}, round ${round + 1}/${rounds}`);
        perStream[side].push(await runWorker<OpenStreamsResult>({ task: 'open-streams', side, count: streams, urls }));
      }
    }
    const rss = (side: 'direct' | 'router'): number => median(perStream[side].map((r) => r.rssBytesPerStream)) / KB;
    const heap = (side: 'direct' | 'router'): number => median(perStream[side].map((r) => r.heapBytesPerStream)) / KB;

    const calls = quick ? 500 : 20_000;
    progress(`memory: heap over ${calls} calls through a router with reliability`);
    const { heapBytes, every } = await runWorker<CallsResult>({ task: 'calls', count: calls, urls });
    const start = heapBytes[0]!;
    const end = heapBytes.at(-1)!;
    const half = Math.floor(heapBytes.length / 2);

    const figures: Figures = {
      'rssPerOpenStream.direct': figure(rss('direct'), 'KB'),
      'rssPerOpenStream.router': figure(rss('router'), 'KB'),
      'rssPerOpenStream.added': atMost(rss('router') - rss('direct'), 'KB', 50),
      'heapPerOpenStream.direct': figure(heap('direct'), 'KB'),
      'heapPerOpenStream.router': figure(heap('router'), 'KB'),
      openStreams: figure(streams, 'streams'),
      'heapAfterCalls.start': figure(start / MB, 'MB'),
      'heapAfterCalls.end': figure(end / MB, 'MB'),
      'heapAfterCalls.growth': atMost((end - start) / MB, 'MB', 2, '≤ 2 MB'),
      // Warm-up effects (code, caches) settle early; a leak keeps growing through the second half.
      'heapAfterCalls.secondHalfPerCall': figure((end - heapBytes[half]!) / ((heapBytes.length - 1 - half) * every), 'bytes'),
      calls: figure(calls, 'calls'),
    };
    return figures;
  },
};
