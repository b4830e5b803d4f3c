import { describe, expect, it } from 'vitest';
import { SharedStateUnavailableError } from '../src/index.ts';
import { until, useRedis } from './support.ts';

// The limiters fail open here, so the budgets' failing closed is their own policy, not the store's setting.
const ctx = useRedis({ onRedisDown: 'open' }, 'budget');
const { processStore, freshKey } = ctx;

describe('createRedisStore as a budget store', () => {
  it('holds exactly the limit across two processes reserving at once: 20 reserves of 1 against 10 give 10 ids', async () => {
    const key = freshKey();
    const processes = [processStore(), processStore()];
    const ids = await Promise.all(processes.flatMap((store) => Array.from({ length: 10 }, () => store.budgets.reserve(key, 1, 10))));
    const granted = ids.filter((id) => id !== undefined);
    expect(granted).toHaveLength(10);
    expect(new Set(granted).size).toBe(10);
  });

  it('settling ends the hold and books the cost, which a reserve in another process then sees', async () => {
    const key = freshKey();
    const [here, elsewhere] = [processStore(), processStore()];
    const id = await here.budgets.reserve(key, 8, 10);
    expect(id).toBeDefined();
    // 8 held: 3 more does not fit, anywhere.
    expect(await elsewhere.budgets.reserve(key, 3, 10)).toBeUndefined();
    await here.budgets.settle(key, id!, 6.5);
    // 6.5 spent, nothing held: 3.5 fits exactly, 0.01 more does not.
    const next = await elsewhere.budgets.reserve(key, 3.5, 10);
    expect(next).toBeDefined();
    expect(await here.budgets.reserve(key, 0.01, 10)).toBeUndefined();
    await elsewhere.budgets.settle(key, next!, 0);
    expect(await here.budgets.reserve(key, 3.5, 10)).toBeDefined();
    expect(await here.budgets.reserve(key, 0.01, 10)).toBeUndefined();
  });

  it('a reservation never settled (its process died) expires and is dropped, beside holds that have not; a late settle still books its cost', async () => {
    const key = freshKey();
    // Long enough that the hold is still there for the checks below on a busy machine; the wait for its end is a poll.
    const dead = processStore({ budgetReservationTtlMs: 2_000 });
    const alive = processStore();
    const lost = await dead.budgets.reserve(key, 6, 10);
    expect(lost).toBeDefined();
    // A hold of the default TTL keeps the budget's keys alive: the expired hold must be dropped by the script itself.
    const kept = await alive.budgets.reserve(key, 2, 10);
    expect(kept).toBeDefined();
    expect(await alive.budgets.reserve(key, 3, 10)).toBeUndefined();
    let again: string | undefined;
    await until(async () => (again = await alive.budgets.reserve(key, 8, 10)) !== undefined);
    // Money spent is spent: the expired reservation's settle books 4 beside the 10 held.
    await dead.budgets.settle(key, lost!, 4);
    await alive.budgets.settle(key, kept!, 0);
    await alive.budgets.settle(key, again!, 0);
    expect(await alive.budgets.reserve(key, 6.5, 10)).toBeUndefined();
    expect(await alive.budgets.reserve(key, 6, 10)).toBeDefined();
  });

  it('when Redis is down, reserve and settle reject with SharedStateUnavailableError (budgets fail closed even where limits fail open)', async () => {
    const key = freshKey();
    const store = processStore();
    const id = await store.budgets.reserve(key, 1, 10);
    await ctx.server.stop();
    try {
      await expect(store.budgets.reserve(key, 1, 10)).rejects.toSatisfy(SharedStateUnavailableError.isInstance);
      await expect(store.budgets.settle(key, id!, 1)).rejects.toSatisfy(SharedStateUnavailableError.isInstance);
    } finally {
      await ctx.server.start();
    }
  });

  it('refuses a budgetReservationTtlMs that is not a positive number of ms, naming it', () => {
    expect(() => processStore({ budgetReservationTtlMs: 0 })).toThrow(/budgetReservationTtlMs/);
  });
});
