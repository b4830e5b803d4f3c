/**
 * Run in fresh processes by the redis case: acquire + release one after
 * another on a limiter on @router/redis's store and on an in-memory limiter,
 * in alternating blocks, so drift falls on both alike. Each process is one
 * replicate: identical processes differ (where the JIT settles, what else the
 * machine runs meanwhile), which one process's samples cannot show.
 */
import { ConcurrencyLimiter } from '@router/core/reliability';
import { createRedisStore } from '@router/redis';

export interface RedisLatencyTask {
  url: string;
  /** Timed pairs per limiter. */
  pairs: number;
  /** Pairs per block; the limiters take turns block by block. */
  block: number;
}

/** Milliseconds per pair, in the order measured. */
export interface RedisLatencyResult {
  memoryMs: number[];
  redisMs: number[];
}

/** Acquire + release, one after another: the time of each pair (ms), appended to `into`. */
async function pairTimes(limiter: ConcurrencyLimiter, pairs: number, into: number[] = []): Promise<number[]> {
  for (let i = 0; i < pairs; i++) {
    const started = performance.now();
    const slot = await limiter.acquire();
    slot.release();
    into.push(performance.now() - started);
  }
  return into;
}

const task = JSON.parse(process.argv[2] ?? '{}') as RedisLatencyTask;
// A limit never reached: the figure is the store's round trip, not a wait.
const store = createRedisStore({ url: task.url });
const redis = new ConcurrencyLimiter({ limit: 1_000_000, key: 'bench-latency', store });
const memory = new ConcurrencyLimiter({ limit: 1_000_000, key: 'bench-latency' });
// Warm-up: the connection, the scripts loaded, and the JIT settled on both paths.
await pairTimes(redis, 500);
await pairTimes(memory, 500);
const result: RedisLatencyResult = { memoryMs: [], redisMs: [] };
for (let done = 0; done < task.pairs; done += task.block) {
  const pairs = Math.min(task.block, task.pairs - done);
  await pairTimes(redis, pairs, result.redisMs);
  await pairTimes(memory, pairs, result.memoryMs);
}
await store.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
