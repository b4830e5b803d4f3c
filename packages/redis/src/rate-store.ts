import { createMemoryRateStore, type RateStore } from '@router/core/reliability';
import { SharedStateUnavailableError } from './errors.ts';
import { script, type RedisLink } from './link.ts';

export interface RateSettings {
  prefix: string;
  onRedisDown: 'open' | 'closed';
  localShare: number;
}

/**
 * ARGV: amount, capacity, window ms, 1 to take only if it fits (0: charge whatever it holds).
 * A token bucket in one hash (tokens, at), refilled from the Redis server's
 * clock, so every process draws on one exact budget. Answers 0, or the ms
 * until `amount` would fit.
 */
const BUCKET = script(
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local amount, capacity, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - at) * capacity / window)
if ARGV[4] == '1' and tokens < amount then
  return math.ceil((amount - tokens) * window / capacity)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - amount), 'at', now)
redis.call('PEXPIRE', KEYS[1], window * 2)
return 0
`,
  1,
);

/**
 * Rate buckets on Redis. When Redis does not answer: failing open, each
 * process keeps a local bucket of `localShare` of each limit; failing closed,
 * the call fails with SharedStateUnavailableError.
 */
export class RedisRates implements RateStore {
  readonly #link: RedisLink;
  readonly #settings: RateSettings;
  readonly #local: RateStore = createMemoryRateStore();

  constructor(link: RedisLink, settings: RateSettings) {
    this.#link = link;
    this.#settings = settings;
  }

  async take(key: string, amount: number, capacity: number, windowMs: number): Promise<number> {
    try {
      return Number(await this.#link.run(BUCKET, [this.#bucket(key)], [amount, capacity, windowMs, 1]));
    } catch (error) {
      if (this.#settings.onRedisDown === 'closed') throw new SharedStateUnavailableError(`a request under rate limit "${key}"`, { cause: error });
      return this.#local.take(key, amount, this.#localCapacity(capacity), windowMs);
    }
  }

  async charge(key: string, amount: number, capacity: number, windowMs: number): Promise<void> {
    try {
      await this.#link.run(BUCKET, [this.#bucket(key)], [amount, capacity, windowMs, 0]);
    } catch {
      await this.#local.charge(key, amount, this.#localCapacity(capacity), windowMs);
    }
  }

  #localCapacity(capacity: number): number {
    return Math.max(1, capacity * this.#settings.localShare);
  }

  #bucket(key: string): string {
    return `${this.#settings.prefix}:{rate:${key}}:bucket`;
  }
}
