import type { BudgetStore } from '@router/core/reliability';
import { SharedStateUnavailableError } from './errors.ts';
import { script, type RedisLink } from './link.ts';

export interface BudgetSettings {
  prefix: string;
  budgetReservationTtlMs: number;
}

/*
 * One budget, four Redis keys in one hash slot:
 *   spent    string, the cost booked so far (no expiry: a lifetime budget)
 *   expires  zset  reservation id -> when it expires (Redis server time, ms)
 *   held     hash  reservation id -> amount it holds
 *   seq      string, the last reservation id (no expiry, so an id is never reused)
 * Times come from the Redis server's clock, so the machines' clocks do not matter.
 */

/**
 * ARGV: amount, limit, ttl ms. Drops the reservations that expired (a process
 * that died mid-call gives its holds back this way), then holds `amount` if
 * spent + held + amount stays within the limit. Answers the reservation's id,
 * or nil past the limit.
 */
const RESERVE = script(
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
if #expired > 0 then
  for _, id in ipairs(expired) do redis.call('HDEL', KEYS[3], id) end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
end
local held = 0
for _, amount in ipairs(redis.call('HVALS', KEYS[3])) do held = held + tonumber(amount) end
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount, limit, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if spent + held + amount > limit then return false end
local id = tostring(redis.call('INCR', KEYS[4]))
redis.call('HSET', KEYS[3], id, ARGV[1])
redis.call('ZADD', KEYS[2], now + ttl, id)
-- The holds' keys last as long as their latest hold (processes may set different TTLs), so a budget nobody calls leaves none behind.
local last = tonumber(redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2])
redis.call('PEXPIREAT', KEYS[2], last)
redis.call('PEXPIREAT', KEYS[3], last)
return id
`,
  4,
);

/** ARGV: reservation id, cost. Ends the reservation (if it has not expired) and books the cost as spent either way. */
const SETTLE = script(
  `
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if tonumber(ARGV[2]) ~= 0 then redis.call('INCRBYFLOAT', KEYS[1], ARGV[2]) end
return 1
`,
  4,
);

/**
 * Spend budgets on Redis, shared by every process on the same prefix. Money
 * is not a rate: there is no local share to fall back on, so a Redis that does
 * not answer fails every call with SharedStateUnavailableError, whatever
 * `onRedisDown` says (the caller refuses the call).
 */
export class RedisBudgets implements BudgetStore {
  readonly #link: RedisLink;
  readonly #settings: BudgetSettings;

  constructor(link: RedisLink, settings: BudgetSettings) {
    this.#link = link;
    this.#settings = settings;
  }

  async reserve(key: string, amount: number, limit: number): Promise<string | undefined> {
    let reply: unknown;
    try {
      reply = await this.#link.run(RESERVE, this.#keys(key), [amount, limit, this.#settings.budgetReservationTtlMs]);
    } catch (error) {
      throw new SharedStateUnavailableError(`a reservation of budget "${key}"`, { cause: error });
    }
    return reply === null || reply === undefined ? undefined : String(reply);
  }

  async settle(key: string, reservation: string, cost: number): Promise<void> {
    try {
      await this.#link.run(SETTLE, this.#keys(key), [reservation, cost]);
    } catch (error) {
      throw new SharedStateUnavailableError(`booking the cost of reservation ${reservation} of budget "${key}"`, { cause: error });
    }
  }

  #keys(key: string): string[] {
    const base = `${this.#settings.prefix}:{budget:${key}}`;
    return [`${base}:spent`, `${base}:expires`, `${base}:held`, `${base}:seq`];
  }
}
