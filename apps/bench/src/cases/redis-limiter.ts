import { createClient } from '@redis/client';
import { ConcurrencyLimiter, type ConcurrencyStore } from '@router/core/reliability';
import { createRedisStore, type RedisStore } from '@router/redis';
import { startRedisServer } from '@router/testing';
import type { BenchCase } from '../context.ts';
import { addedNoise, medianBootstrapNoise } from '../compare.ts';
import { atLeast, atMost, figure, inOneProcess, type Figures } from '../figures.ts';
import { median, p99 } from '../stats.ts';
import { deployments, nsPerPick } from './aliases.ts';

/** Acquire + release, one after another: the time of each pair (ms). */
async function pairTimes(limiter: ConcurrencyLimiter, pairs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const started = performance.now();
    const slot = await limiter.acquire();
    slot.release();
    times.push(performance.now() - started);
  }
  return times;
}

/** Pairs per second with `callers` looping acquire + release at once for `ms`, on a limit they never reach. */
async function throughput(limiter: ConcurrencyLimiter, callers: number, ms: number): Promise<number> {
  let pairs = 0;
  const until = performance.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < until) {
        (await limiter.acquire()).release();
        pairs++;
      }
    }),
  );
  return pairs / ((performance.now() - started) / 1000);
}

const limiterOn = (store?: ConcurrencyStore): ConcurrencyLimiter => new ConcurrencyLimiter({ limit: 1_000_000, key: 'bench', ...(store && { store }) });

/**
 * The floor: PINGs one after another on one connection. A limiter waits for
 * its head's answer before asking for the next (strict order), so one
 * round trip per acquire is its ceiling on one connection.
 */
async function pingRate(url: string, ms: number): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  try {
    let pings = 0;
    const started = performance.now();
    while (performance.now() - started < ms) {
      await client.ping();
      pings++;
    }
    return pings / ((performance.now() - started) / 1000);
  } finally {
    await client.close();
  }
}

/**
 * Case 12: the limiter on @router/redis's store (a redis-server of its own on
 * loopback) next to the in-memory limiter. Latency: one caller, acquire and
 * release in turn; the added latency is the Redis p50 minus the in-memory
 * p50, judged on its bootstrap interval. Throughput: 64 callers looping at
 * once, in alternating rounds; the median round, judged on its interval.
 */
export const redisLimiterCase: BenchCase = {
  key: 'redis',
  title: 'ConcurrencyLimiter on a loopback Redis (@router/redis) vs in memory: added latency per acquire + release, and pairs per second',
  async run({ quick, progress }) {
    const redis = await startRedisServer();
    const store = createRedisStore({ url: redis.url });
    const processes: RedisStore[] = Array.from({ length: 4 }, () => createRedisStore({ url: redis.url }));
    try {
      const pairs = quick ? 2_000 : 20_000;
      const rounds = quick ? 4 : 8;
      const roundMs = quick ? 250 : 750;
      const memory = limiterOn();
      const shared = limiterOn(store);
      progress(`redis: warming up, then ${pairs} acquire + release pairs one after another on each limiter`);
      await pairTimes(shared, 500);
      await pairTimes(memory, 500);
      const redisTimes = await pairTimes(shared, pairs);
      const memoryTimes = await pairTimes(memory, pairs);
      progress(`redis: 64 callers looping on each limiter, ${rounds} alternating rounds of ${roundMs} ms`);
      const redisRates: number[] = [];
      const memoryRates: number[] = [];
      for (let round = 0; round < rounds; round++) {
        redisRates.push(await throughput(shared, 64, roundMs));
        memoryRates.push(await throughput(memory, 64, roundMs));
      }
      progress(`redis: 4 limiters with a connection each (as 4 processes) on one key, 16 callers each, for ${roundMs} ms; then the PING floor`);
      const perProcess = await Promise.all(processes.map((each) => throughput(limiterOn(each), 16, roundMs)));
      const floor = await pingRate(redis.url, roundMs);
      progress(`redis: the least-busy pick at ${deployments} deployments whose limiters are on this store, another process holding units`);
      const pickLimiters = Array.from({ length: deployments }, (_, index) => new ConcurrencyLimiter({ limit: 4, store, key: `pick-${index}` }));
      for (const [index, limiter] of pickLimiters.entries()) {
        if (index % 2 === 0) await processes[0]!.take(`pick-${index}`, 1 + (index % 3), 4);
        // The reply to this process's own take tells it what the others hold, as a running app would have heard.
        (await limiter.acquire()).release();
      }
      const pickNs = nsPerPick('least-busy', quick ? 20_000 : 200_000, quick ? 5 : 15, (index) => pickLimiters[index]!);
      const added = median(redisTimes) - median(memoryTimes);
      const addedMsNoise = addedNoise([memoryTimes], [redisTimes], median);
      const figures: Figures = {
        'latency.memory.p50': figure(median(memoryTimes) * 1000, 'µs'),
        'latency.redis.p50': figure(median(redisTimes) * 1000, 'µs'),
        'latency.redis.p99': figure(p99(redisTimes) * 1000, 'µs'),
        // Both limiters in this process, one after the other: a comparison within one process.
        'latency.addedP50': inOneProcess(atMost(added, 'ms', 0.3, undefined, addedMsNoise)),
        ...(addedMsNoise !== undefined && { 'latency.addedP50Noise': figure(addedMsNoise, '±ms') }),
        'throughput.memory': figure(median(memoryRates), 'pairs/s'),
        'throughput.redis': atLeast(median(redisRates), 'pairs/s', 10_000, undefined, medianBootstrapNoise(redisRates)),
        'throughput.redis4Processes': figure(perProcess.reduce((sum, rate) => sum + rate, 0), 'pairs/s'),
        'floor.pingsOneAfterAnother': figure(floor, '/s'),
        // The pick reads each limiter's units in use from the store's memory: no Redis round trip.
        'pick.leastBusyOnRedis': atMost(pickNs / 1000, 'µs', 2),
      };
      return figures;
    } finally {
      await Promise.all([store, ...processes].map((each) => each.close()));
      await redis.close();
    }
  },
};
