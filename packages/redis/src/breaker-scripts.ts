import { script, type Script } from './link.ts';

/*
 * A shared breaker is two Redis keys in one hash slot:
 *   state          "open|<epoch ms>" or "closed|<epoch ms>": the latest change, published on a channel too
 *   probe:<opened>  the process holding the probe of the open period that began at <opened>, with a TTL
 */

/** ARGV: channel, change, its time, ttl ms. Keeps the newest change only, and announces it. */
export const WRITE: Script = script(
  `
local current = redis.call('GET', KEYS[1])
if current then
  local at = tonumber(string.match(current, '|(%d+)$'))
  if at and at >= tonumber(ARGV[3]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`,
  1,
);

export const READ: Script = script(`return redis.call('GET', KEYS[1])`, 1);

/** ARGV: process, lease ms. The first process to ask holds the probe until the lease ends (asking again keeps it). */
export const CLAIM: Script = script(
  `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
`,
  1,
);
