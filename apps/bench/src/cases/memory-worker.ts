/**
 * The memory case runs in a fresh process per measurement, so that what one
 * measurement leaves in the heap (or in RSS, which rarely shrinks) does not
 * count in the next. It prints one JSON line and exits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitBreaker, ConcurrencyLimiter } from '@router/core/reliability';
import { benchModels } from '../simulator/models.ts';
import type { SimulatorURLs } from '../simulator/process.ts';
import { buildTarget } from '../targets/build.ts';
import { openaiCompatibleRouter, routerTarget } from '../targets/routers.ts';
import type { Target } from '../targets/target.ts';

/** Open `count` streams on one side and hold them, or make `count` calls through a router with reliability. */
export type MemoryTask =
  | { task: 'open-streams'; side: 'direct' | 'router'; count: number; urls: SimulatorURLs }
  | { task: 'calls'; count: number; urls: SimulatorURLs };

export interface OpenStreamsResult {
  rssBytesPerStream: number;
  heapBytesPerStream: number;
}

export interface CallsResult {
  /** Heap used after a full collection, every `every` calls, from the end of the warm-up on. */
  heapBytes: number[];
  every: number;
}

/** Heap samples over the run: a leak is a steady slope through them, not the difference of two noisy points. */
const checkpoints = 10;

const gc = (globalThis as { gc?: () => void }).gc!;

/** Full collections with a turn between them, so finalizers and weak references settle. */
async function collect(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(10);
  }
  return process.memoryUsage();
}

/** Runs `count` tasks, `concurrency` at a time. */
async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Opens `count` held streams and resolves once each has delivered its first chunk; they stay open. */
function openHeld(target: Target, count: number): Promise<void> {
  return pool(count, 50, async () => {
    const { promise: firstChunk, resolve, reject } = Promise.withResolvers<void>();
    target.stream(benchModels.held.id, () => resolve()).catch(reject);
    await firstChunk;
  });
}

async function openStreams(target: Target, count: number): Promise<OpenStreamsResult> {
  // Warm up the whole path (modules, JIT, connections), including a few held streams of its own.
  await pool(20, 4, () => target.stream(benchModels.short.id, () => {}));
  await openHeld(target, 10);
  const before = await collect();
  await openHeld(target, count);
  const after = await collect();
  return { rssBytesPerStream: (after.rss - before.rss) / count, heapBytesPerStream: (after.heapUsed - before.heapUsed) / count };
}

/**
 * Many calls through a router set up as an application would: retries, a
 * limiter, a breaker, a timeout and one long-lived caller signal (where a
 * listener left behind per call would pile up), half generates, half streams.
 */
async function manyCalls(urls: SimulatorURLs, count: number): Promise<CallsResult> {
  const lifetime = new AbortController();
  const router = openaiCompatibleRouter(urls.openaiURL, {
    reliability: { sim: { retry: { maxAttempts: 2 }, limiter: new ConcurrencyLimiter({ limit: 64 }), breaker: new CircuitBreaker(), timeoutMs: 30_000 } },
  });
  const target = routerTarget('router', router, { signal: lifetime.signal });
  const call = async (index: number): Promise<void> => {
    if (index % 2 === 0) await target.generate(benchModels.short.id);
    else await target.stream(benchModels.short.id, () => {});
  };
  // Warm-up: the JIT and the connection pool settle before the first sample.
  await pool(Math.min(1_000, count / 4), 16, call);
  const every = count / checkpoints;
  const heapBytes = [(await collect()).heapUsed];
  for (let checkpoint = 0; checkpoint < checkpoints; checkpoint++) {
    await pool(every, 16, call);
    heapBytes.push((await collect()).heapUsed);
  }
  return { heapBytes, every };
}

const task = JSON.parse(process.argv[2] ?? '{}') as MemoryTask;
const result =
  task.task === 'open-streams'
    ? await openStreams(buildTarget({ sdk: 'openai', side: task.side }, task.urls), task.count)
    : await manyCalls(task.urls, task.count);
process.stdout.write(`${JSON.stringify(result)}\n`);
// Held streams keep sockets open: leave without waiting for them.
process.exit(0);
