import { createClient } from '@redis/client';
import { ConcurrencyLimiter, type ConcurrencyStore } from '@router/core/reliability';
import { createRedisStore, type RedisStore } from '@router/redis';
import { startRedisServer } from '@router/testing';
import type { BenchCase } from '../context.ts';
import { addedNoise, medianBootstrapNoise } from '../compare.ts';
import { atLeast, atMost, figure, inOneProcess, type Figures } from '../figures.ts';
import { benchScript, runNodeJson } from '../node-process.ts';
import { median, p99 } from '../stats.ts';
import { deployments, nsPerPick } from './aliases.ts';
import type { RedisLatencyResult, RedisLatencyTask } from './redis-limiter-worker.ts';

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

const addedP50 = (each: RedisLatencyResult): number => median(each.redisMs) - median(each.memoryMs);

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
 * release in turn, in several fresh processes one after another (each
 * alternating blocks of both limiters); the added latency is the Redis p50
 * minus the in-memory p50 over every process, judged on an interval that
 * holds both the bootstrap of the samples and the spread from process to
 * process (one process once read 0.295 ms where a full run read 0.657 ms,
 * and its own interval was ±0.001). Throughput: 64 callers looping at once,
 * in alternating rounds; the median round, judged on its interval.
 */
export const redisLimiterCase: BenchCase = {
  key: 'redis',
  title: 'ConcurrencyLimiter on a loopback Redis (@router/redis) vs in memory: added latency per acquire + release, and pairs per second',
  async run({ quick, progress }) {
    const redis = await startRedisServer();
    const store = createRedisStore({ url: redis.url });
    const processes: RedisStore[] = Array.from({ length: 4 }, () => createRedisStore({ url: redis.url }));
    try {
      const latencyProcesses = quick ? 2 : 5;
      const latencyTask: RedisLatencyTask = { url: redis.url, pairs: quick ? 1_000 : 4_000, block: 500 };
      const rounds = quick ? 4 : 8;
      const roundMs = quick ? 250 : 750;
      const memory = limiterOn();
      const shared = limiterOn(store);
      progress(`redis: ${latencyProcesses} fresh processes one after another, each ${latencyTask.pairs} acquire + release pairs on each limiter and as many PINGs, in alternating blocks`);
      const latency: RedisLatencyResult[] = [];
      for (let p = 0; p < latencyProcesses; p++) {
        latency.push(await runNodeJson<RedisLatencyResult>([benchScript('./cases/redis-limiter-worker.ts'), JSON.stringify(latencyTask)]));
      }
      const redisTimes = latency.flatMap((each) => each.redisMs);
      const memoryTimes = latency.flatMap((each) => each.memoryMs);
      // Warm this process's limiter for the throughput rounds.
      for (let i = 0; i < 500; i++) (await shared.acquire()).release();
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
      const addedMsNoise = addedNoise(
        latency.map((each) => each.memoryMs),
        latency.map((each) => each.redisMs),
        median,
      );
      const figures: Figures = {
        'latency.processes': figure(latency.length, 'processes'),
        'latency.samples': figure(redisTimes.length, 'pairs'),
        'latency.memory.p50': figure(median(memoryTimes) * 1000, 'µs'),
        'latency.redis.p50': figure(median(redisTimes) * 1000, 'µs'),
        'latency.redis.p99': figure(p99(redisTimes) * 1000, 'µs'),
        // Both limiters in each process, block by block: a comparison within a process, replicated over processes.
        'latency.addedP50': inOneProcess(atMost(added, 'ms', 0.3, undefined, addedMsNoise)),
        'latency.addedP50.perProcess.min': figure(Math.min(...latency.map(addedP50)), 'ms'),
        'latency.addedP50.perProcess.max': figure(Math.max(...latency.map(addedP50)), 'ms'),
        // What the machine allowed meanwhile: when a bare round trip is slow, so is every pair, whatever the code.
        'latency.floor.pingP50': figure(median(latency.flatMap((each) => each.pingMs)) * 1000, 'µs'),
        'latency.redis.p50OverPing': figure((median(redisTimes) - median(latency.flatMap((each) => each.pingMs))) * 1000, 'µs'),
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
