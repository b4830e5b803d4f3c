import { ConfigurationError } from '@router/core';
import { createMemoryRateStore, createMemoryStore, type BudgetStore, type ConcurrencyStore, type RateStore } from '@router/core/reliability';
import { startSimulator, type Simulator } from '@router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway, type GatewayKey, type KeyStore } from '../src/index.ts';
import { simulatorModels, testModels, testRouter } from './fixtures/router.ts';

/**
 * Key limits in a store several gateway instances share. The store here is
 * core's in-memory one answering asynchronously, as a Redis store does; the
 * multi-process tests run three `router-gateway` processes on a real Redis.
 */

const secret = 'gw-shared-key-0123456789';
const messages = [{ role: 'user', content: 'Hello.' }];

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ models: simulatorModels });
});
afterAll(() => sim?.close());

/** Core's in-memory stores behind promises, and a count of the calls each method received. */
function asyncStore(): KeyStore & { calls: Record<string, number> } {
  const slots: ConcurrencyStore = createMemoryStore();
  const buckets: RateStore = createMemoryRateStore();
  const calls: Record<string, number> = { take: 0, give: 0, rate: 0 };
  return {
    calls,
    take: async (key, cost, limit) => (calls.take!++, slots.take(key, cost, limit)),
    give: async (key, cost) => void (calls.give!++, slots.give(key, cost)),
    rates: {
      take: async (key, amount, capacity, windowMs) => (calls.rate!++, buckets.take(key, amount, capacity, windowMs)),
      charge: async (key, amount, capacity, windowMs) => buckets.charge(key, amount, capacity, windowMs),
    },
  };
}

function instance(key: Omit<GatewayKey, 'key'>, keyStore?: KeyStore): Gateway {
  return createGateway({ router: testRouter(sim.baseURL('openai')), keys: [{ key: secret, name: 'shared', ...key }], log: false, ...(keyStore && { keyStore }) });
}

function chat(gateway: Gateway, model: string = testModels.chat, stream = false): Promise<Response> {
  return gateway(
    new Request('http://gateway/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages, stream }),
    }),
  );
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe('key limits in a store shared by several instances (keyStore)', () => {
  it('requestsPerMinute holds across instances: 3 instances, a limit of 2, 6 requests → 2 admitted (6 without the store)', async () => {
    const store = asyncStore();
    const shared = [1, 2, 3].map(() => instance({ requestsPerMinute: 2 }, store));
    const sharedStatuses = [];
    for (const gateway of [...shared, ...shared]) sharedStatuses.push((await chat(gateway)).status);
    // A token comes back every 30 s: the run takes far less, and on a machine that slow one more would pass.
    expect(sharedStatuses.filter((status) => status === 200)).toHaveLength(2);
    expect(sharedStatuses.filter((status) => status === 429)).toHaveLength(4);
    expect(store.calls.rate).toBe(6);

    const separate = [1, 2, 3].map(() => instance({ requestsPerMinute: 2 }));
    const separateStatuses = [];
    for (const gateway of [...separate, ...separate]) separateStatuses.push((await chat(gateway)).status);
    expect(separateStatuses).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('a refusal names the limit and says when to retry, from the store’s wait', async () => {
    const gateway = instance({ requestsPerMinute: 1 }, asyncStore());
    expect((await chat(gateway)).status).toBe(200);
    const refused = await chat(gateway);
    expect(refused.status).toBe(429);
    // One request a minute: the next fits in about 60 s.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(await errorCode(refused)).toBe('rate_limit_exceeded');
  });

  it('maxConcurrent holds across instances: a stream open on one refuses a call on another until it ends', async () => {
    const store = asyncStore();
    const [first, second] = [instance({ maxConcurrent: 1 }, store), instance({ maxConcurrent: 1 }, store)];
    const open = await chat(first!, testModels.priced, true);
    expect(open.status).toBe(200);
    const refused = await chat(second!);
    expect(refused.status).toBe(429);
    expect(await errorCode(refused)).toBe('concurrency_limit_exceeded');
    expect(second!.inFlight).toBe(0);
    await open.text();
    await expect.poll(() => store.calls.give).toBe(1);
    expect((await chat(second!)).status).toBe(200);
  });

  it('a call refused by the rate gives its concurrency slot back, and spends no request when refused for concurrency', async () => {
    const store = asyncStore();
    const gateway = instance({ maxConcurrent: 1, requestsPerMinute: 1 }, store);
    expect((await chat(gateway)).status).toBe(200);
    expect(await errorCode(await chat(gateway))).toBe('rate_limit_exceeded');
    await expect.poll(() => store.calls.give).toBe(2);
    expect(await store.take('gateway-key:shared', 1, 1)).toBe(true);
    expect(await errorCode(await chat(gateway))).toBe('concurrency_limit_exceeded');
    expect(store.calls.rate).toBe(2);
  });

  it('a store that fails gets a 503 with Retry-After at once (not a wait), and frees what it took', async () => {
    const store = asyncStore();
    const down = Object.assign(new Error('Redis is unavailable, so a request was refused (the store fails closed)'), { code: 'shared-state-unavailable' });
    const failing: KeyStore = { ...store, rates: { ...store.rates, take: () => Promise.reject(down) } };
    const gateway = instance({ maxConcurrent: 2, requestsPerMinute: 10 }, failing);
    const response = await chat(gateway);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('shared_state_unavailable');
    expect(body.error.message).toContain('"shared"');
    expect(body.error.message).not.toContain(secret);
    await expect.poll(() => store.calls.give).toBe(1);
    expect(gateway.inFlight).toBe(0);
  });

  it('a key without limits never asks the store', async () => {
    const store = asyncStore();
    const gateway = instance({}, store);
    expect((await chat(gateway)).status).toBe(200);
    expect(store.calls).toEqual({ take: 0, give: 0, rate: 0 });
  });

  it('refuses a keyStore that is not one, and two keys with one name (their limits would be one)', () => {
    const router = testRouter(sim.baseURL('openai'));
    expect(() => createGateway({ router, keyStore: createMemoryStore() as KeyStore })).toThrow(/keyStore must be/);
    const twins = [
      { key: 'gw-twin-key-0000000001', name: 'twin' },
      { key: 'gw-twin-key-0000000002', name: 'twin' },
    ];
    expect(() => createGateway({ router, keys: twins })).toThrow(ConfigurationError);
    expect(() => createGateway({ router, keys: twins })).toThrow(/keys\[1\]\.name "twin" repeats/);
  });
});

/** A BudgetStore in memory answering asynchronously, as a Redis one does, with what it holds and has booked. */
function asyncBudgets(): BudgetStore & { held(key: string): number; spent(key: string): number; reserves: number; settles: number } {
  const budgets = new Map<string, { spent: number; held: Map<string, number> }>();
  let ids = 0;
  const of = (key: string) => budgets.get(key) ?? budgets.set(key, { spent: 0, held: new Map() }).get(key)!;
  const held = (key: string): number => [...of(key).held.values()].reduce((sum, amount) => sum + amount, 0);
  const store = {
    reserves: 0,
    settles: 0,
    held,
    spent: (key: string) => of(key).spent,
    async reserve(key: string, amount: number, limit: number): Promise<string | undefined> {
      store.reserves++;
      await Promise.resolve();
      if (of(key).spent + held(key) + amount > limit) return undefined;
      const id = String(++ids);
      of(key).held.set(id, amount);
      return id;
    },
    async settle(key: string, reservation: string, cost: number): Promise<void> {
      store.settles++;
      await Promise.resolve();
      of(key).held.delete(reservation);
      of(key).spent += cost;
    },
  };
  return store;
}

describe('key budgets in a store shared by several instances (keyStore.budgets)', () => {
  const budgetKey = 'gateway-key:shared';
  // One unit per output token: a call with max_tokens 4 reserves 4; the priced model answers 2 tokens a second apart, so calls overlap.
  const prices = { [testModels.priced]: { inputPerMillion: 0, outputPerMillion: 1_000_000 } };

  function budgeted(budget: number, keyStore?: KeyStore, extra: Omit<GatewayKey, 'key' | 'budget'> = {}): Gateway {
    return createGateway({
      router: testRouter(sim.baseURL('openai')),
      keys: [{ key: secret, name: 'shared', budget, ...extra }],
      prices,
      log: false,
      ...(keyStore && { keyStore }),
    });
  }

  function pricedCall(gateway: Gateway, stream = false): Promise<Response> {
    return gateway(
      new Request('http://gateway/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: testModels.priced, messages, max_tokens: 4, stream }),
      }),
    );
  }

  it('parallel calls over 2 instances reserve and settle in the store: a budget of 12 admits 3 calls of 4 in all (6 when each instance counts its own)', async () => {
    const budgets = asyncBudgets();
    const store = { ...asyncStore(), budgets };
    const shared = [budgeted(12, store), budgeted(12, store)];
    const responses = await Promise.all(shared.flatMap((gateway) => [1, 2, 3].map(() => pricedCall(gateway))));
    const codes = await Promise.all(responses.map(async (response) => (response.status === 200 ? 'ok' : await errorCode(response))));
    expect(codes.filter((code) => code === 'ok')).toHaveLength(3);
    expect(codes.filter((code) => code === 'insufficient_quota')).toHaveLength(3);
    // Settled to what each cost (2 tokens), holds given back: 6 spent, which the next call through either instance sees.
    await expect.poll(() => budgets.held(budgetKey)).toBe(0);
    expect(budgets.spent(budgetKey)).toBe(6);
    expect(budgets.settles).toBe(3);
    expect((await pricedCall(shared[1]!)).status).toBe(200);
    await expect.poll(() => budgets.spent(budgetKey)).toBe(8);

    const separate = [budgeted(12, asyncStore()), budgeted(12, asyncStore())];
    const separateStatuses = (await Promise.all(separate.flatMap((gateway) => [1, 2, 3].map(() => pricedCall(gateway))))).map((response) => response.status);
    expect(separateStatuses).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('a call its key limits refuse gives its reservation back', async () => {
    const budgets = asyncBudgets();
    const gateway = budgeted(100, { ...asyncStore(), budgets }, { maxConcurrent: 1 });
    const open = await pricedCall(gateway, true);
    expect(open.status).toBe(200);
    expect(await errorCode(await pricedCall(gateway))).toBe('concurrency_limit_exceeded');
    await expect.poll(() => budgets.settles).toBe(1);
    expect(budgets.held(budgetKey)).toBe(4);
    await open.text();
    await expect.poll(() => budgets.held(budgetKey)).toBe(0);
    expect(budgets.spent(budgetKey)).toBe(2);
  });

  it('a budget store that fails gets a 503 shared_state_unavailable with Retry-After, and no call; a settle that fails does not fail the response', async () => {
    const down = new Error('Redis is unavailable');
    const budgets = asyncBudgets();
    const refusing = budgeted(100, { ...asyncStore(), budgets: { ...budgets, reserve: () => Promise.reject(down) } });
    const sent = sim.requests.length;
    const response = await pricedCall(refusing);
    expect(response.status).toBe(503);
    expect(sim.requests).toHaveLength(sent);
    expect(response.headers.get('retry-after')).toBe('1');
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('shared_state_unavailable');
    expect(body.error.message).toContain('budget of key "shared"');
    expect(refusing.inFlight).toBe(0);

    const unsettled = budgeted(100, { ...asyncStore(), budgets: { reserve: budgets.reserve, settle: () => Promise.reject(down) } });
    expect((await pricedCall(unsettled)).status).toBe(200);
    expect(unsettled.inFlight).toBe(0);
  });

  it('refuses a keyStore.budgets that is not a BudgetStore, naming the field', () => {
    const router = testRouter(sim.baseURL('openai'));
    expect(() => createGateway({ router, keyStore: { ...asyncStore(), budgets: { reserve: () => Promise.resolve(undefined) } as unknown as BudgetStore } })).toThrow(
      /keyStore\.budgets must be a BudgetStore/,
    );
  });
});
