import { script, type Script } from './link.ts';

/*
 * The shared concurrency state of one limiter key, five Redis keys in one hash slot:
 *   units   hash  process id -> units it holds
 *   leases  zset  process id -> when its lease ends (Redis server time, ms); renewed while it holds or waits
 *   line    zset  process id -> ticket; processes with callers waiting, in ticket order
 *   seq     string, the last ticket
 *   needs   hash  process id -> units its first waiting caller needs (as of its last refusal)
 * A process whose lease ended is dropped from units and line by the next script
 * that looks, so a dead process gives back what it held. Times come from the
 * Redis server's clock, so the machines' clocks do not matter.
 */

/** Units held by every process but `proc`: what a process reports to its `least-busy` picks, beside what it holds itself. */
const OTHERS = `
local function others(proc)
  local sum = 0
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    if all[i] ~= proc then sum = sum + tonumber(all[i + 1]) end
  end
  return sum
end
`;

/** Server time in ms, and dropping the processes whose lease ended (announcing the units they freed). */
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
if #dead > 0 then
  for _, p in ipairs(dead) do
    redis.call('HDEL', KEYS[1], p)
    redis.call('ZREM', KEYS[3], p)
    redis.call('HDEL', KEYS[5], p)
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  redis.call('PUBLISH', ARGV[1], 'dead')
end
local function keep(ttl, keys)
  for _, i in ipairs(keys) do redis.call('PEXPIRE', KEYS[i], ttl * 4) end
end
${OTHERS}`;

/**
 * ARGV: channel, process, limit, ttl ms, waiting (1 when the process has callers waiting),
 * units given back first (the gives of the same turn, 0 for none), then one cost per take.
 * Gives back first, as GIVE would, so the units freed count for the takes
 * behind them: a release and an acquire in one turn cost one script.
 * Grants the takes in order, each when its cost fits beside what the
 * processes ahead in line need, so a process never overtakes one that waits
 * for units (and none starves), while units nobody waits for are taken at
 * once; it stops at the first take that does not fit (nobody overtakes it).
 * A process served from the line goes to its back if it still has callers
 * waiting, so processes take turns. Answers [takes granted, units the others
 * hold, and, when one was refused, ms until the next lease of another
 * process may end (0 otherwise)], so a waiter can look again the moment a
 * dead process's units come free.
 */
export const TAKE: Script = script(
  `${PRELUDE}
local proc, limit, ttl, given = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[6])
local rest, had = 0, 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if all[i] == proc then had = tonumber(all[i + 1]) else rest = rest + tonumber(all[i + 1]) end
end
-- A count gone below zero (a give Redis had already dropped with a lease) counts as none, as in GIVE.
local mine = math.max(0, had - given)
local line = redis.call('ZRANGE', KEYS[3], 0, -1)
if given > 0 and (#line > 1 or (#line == 1 and line[1] ~= proc)) then redis.call('PUBLISH', ARGV[1], 'free') end
local function needs(stopAt)
  local sum, found = 0, false
  for _, p in ipairs(line) do
    if p == stopAt then
      found = true
      break
    end
    if p ~= proc then sum = sum + tonumber(redis.call('HGET', KEYS[5], p) or 1) end
  end
  return sum, found
end
local ahead, inLine = needs(proc)
local granted, taken = 0, 0
for i = 7, #ARGV do
  local cost = tonumber(ARGV[i])
  if rest + mine + taken + ahead + cost > limit then
    redis.call('HSET', KEYS[5], proc, cost)
    keep(ttl, {5})
    break
  end
  granted = granted + 1
  taken = taken + cost
  if inLine then
    redis.call('ZREM', KEYS[3], proc)
    if ARGV[5] == '1' then redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), proc) else redis.call('HDEL', KEYS[5], proc) end
    -- Served: every process still in line is now ahead of this one.
    inLine = false
    line = redis.call('ZRANGE', KEYS[3], 0, -1)
    ahead = needs(nil)
  end
end
-- A give and a take of the same units (a release and an acquire in one turn) leave the count as it was.
local holds = mine + taken
if holds ~= had then
  if holds > 0 then redis.call('HSET', KEYS[1], proc, holds) else redis.call('HDEL', KEYS[1], proc) end
end
local wait = 0
if granted > 0 then
  -- A process that joins the count or the leases sets how long they last: from then on its
  -- heartbeat, every third of a lease while it holds or waits, keeps all five (two calls fewer per take).
  if redis.call('ZADD', KEYS[2], now + ttl, proc) == 1 then keep(ttl, {2}) end
  if had == 0 then keep(ttl, {1}) end
end
if granted < #ARGV - 6 then
  local soonest = redis.call('ZRANGE', KEYS[2], 0, 1, 'WITHSCORES')
  local next = soonest[1] == proc and soonest[4] or soonest[2]
  wait = next and math.max(0, tonumber(next) - now) or ttl
end
return {granted, rest, wait}
`,
  5,
);

/** ARGV: channel, process, cost. Gives units back and tells the other processes waiting, if any. Answers the units the others hold. */
export const GIVE: Script = script(
  `${OTHERS}
local left = redis.call('HINCRBY', KEYS[1], ARGV[2], -tonumber(ARGV[3]))
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[2]) end
local waiting = redis.call('ZCARD', KEYS[3])
if waiting > 1 or (waiting == 1 and not redis.call('ZSCORE', KEYS[3], ARGV[2])) then
  redis.call('PUBLISH', ARGV[1], 'free')
end
return others(ARGV[2])
`,
  5,
);

/**
 * ARGV: channel, process, ttl ms, held (-1: leave the count as it is), waiting (1 or 0).
 * Renews the process's lease; restores its count of units when Redis lost it
 * (a restart without persistence, or a lease that ran out while the process
 * was cut off) or a give did not arrive; joins the line, or leaves it.
 * Answers the units the other processes hold.
 */
export const BEAT: Script = script(
  `${PRELUDE}
local proc, ttl, held, waiting = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1'
if held > 0 then redis.call('HSET', KEYS[1], proc, held) elseif held == 0 then redis.call('HDEL', KEYS[1], proc) end
if waiting then
  if not redis.call('ZSCORE', KEYS[3], proc) then redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), proc) end
elseif redis.call('ZREM', KEYS[3], proc) == 1 then
  redis.call('HDEL', KEYS[5], proc)
  if redis.call('ZCARD', KEYS[3]) > 0 then redis.call('PUBLISH', ARGV[1], 'left') end
end
if held ~= 0 or waiting then redis.call('ZADD', KEYS[2], now + ttl, proc) else redis.call('ZREM', KEYS[2], proc) end
keep(ttl, {1, 2, 3, 4, 5})
return others(proc)
`,
  5,
);

/** ARGV: channel, process. Answers the units the other processes hold (after dropping those whose lease ended). */
export const USED: Script = script(
  `${PRELUDE}
return others(ARGV[2])
`,
  5,
);
