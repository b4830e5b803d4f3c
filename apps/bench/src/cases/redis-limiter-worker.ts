/**
 * Run in fresh processes by the redis case: acquire + release one after
 * another on a limiter on @router/redis's store and on an in-memory limiter,
 * and bare PINGs beside them, in alternating blocks, so drift falls on all alike. Each process is one
 * replicate: identical processes differ (where the JIT settles, what else the
 * machine runs meanwhile), which one process's samples cannot show.
 */
import { createClient } from '@redis/client';
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
  /** A bare PING through node-redis on a connection of its own: the round trip the machine allows at that moment. */
  pingMs: number[];
}

/** `count` calls of `call`, one after another: the time of each (ms), appended to `into`. */
async function times(call: () => Promise<unknown>, count: number, into: number[] = []): Promise<number[]> {
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await call();
    into.push(performance.now() - started);
  }
  return into;
}

const pair = (limiter: ConcurrencyLimiter) => async (): Promise<void> => (await limiter.acquire()).release();

const task = JSON.parse(process.argv[2] ?? '{}') as RedisLatencyTask;
// A limit never reached: the figure is the store's round trip, not a wait.
const store = createRedisStore({ url: task.url });
const redis = new ConcurrencyLimiter({ limit: 1_000_000, key: 'bench-latency', store });
const memory = new ConcurrencyLimiter({ limit: 1_000_000, key: 'bench-latency' });
const client = createClient({ url: task.url });
await client.connect();
const ping = (): Promise<unknown> => client.ping();
// Warm-up: the connections, the scripts loaded, and the JIT settled on every path.
await times(pair(redis), 500);
await times(pair(memory), 500);
await times(ping, 500);
const result: RedisLatencyResult = { memoryMs: [], redisMs: [], pingMs: [] };
for (let done = 0; done < task.pairs; done += task.block) {
  const count = Math.min(task.block, task.pairs - done);
  await times(pair(redis), count, result.redisMs);
  await times(pair(memory), count, result.memoryMs);
  await times(ping, count, result.pingMs);
}
await Promise.all([store.close(), client.close()]);
process.stdout.write(`${JSON.stringify(result)}\n`);
