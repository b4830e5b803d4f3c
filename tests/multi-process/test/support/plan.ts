import { startRedisServer, startSimulator, type Simulator, type TestRedisServer } from '@router/testing';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/** The Featherless plan every process of these tests shares, in units. */
export const planUnits = 4;
/** 8B parameters: one plan unit per request. */
export const model = 'meta-llama/Meta-Llama-3.1-8B-Instruct';
/** Never answers within a test: its requests hold plan units until they are cut. */
export const stalledModel = 'stalled/Llama-3.1-8B-Instruct';

/** What every process is started with: where the shared Redis and the plan are, and the store's timings. */
export interface SharedPlanConfig {
  redisUrl: string;
  /** A fresh prefix per test, so tests share the server but not state. */
  prefix: string;
  baseURL: string;
  planUnits: number;
  leaseTtlMs: number;
  commandTimeoutMs: number;
}

let redisServer: TestRedisServer | undefined;
let simulator: Simulator | undefined;
let tests = 0;

/**
 * One `redis-server` for the file, and before each test a simulator whose
 * Featherless plan counts a request until its connection closes and answers
 * 429 past `planUnits`. Register it before the file's own `afterEach`, which
 * then stops the processes before the simulator closes.
 */
export function useSharedPlan(models: Record<string, { ttftMs: number }> = {}): void {
  beforeAll(async () => {
    redisServer = await startRedisServer();
  });
  afterAll(() => redisServer?.close());
  beforeEach(async () => {
    simulator = await startSimulator({
      featherless: { planUnits },
      defaultProfile: { ttftMs: 15, outputTokens: 6, tokensPerChunk: 2 },
      models: { [stalledModel]: { ttftMs: 600_000 }, ...models },
      logBodies: false,
      maxLogEntries: 10_000,
    });
  });
  afterEach(async () => {
    await simulator?.close();
  });
}

export const redis = (): TestRedisServer => redisServer!;
export const sim = (): Simulator => simulator!;

/** The settings of a test's processes, under a prefix of its own. */
export function sharedPlanConfig(kind: string): SharedPlanConfig {
  return {
    redisUrl: redis().url,
    prefix: `${kind}-${++tests}`,
    baseURL: sim().baseURL('featherless'),
    planUnits,
    // Generous: a Redis call slowed past its timeout on a busy machine would fail a call (the stores fail closed).
    leaseTtlMs: 9_000,
    commandTimeoutMs: 2_500,
  };
}

export const refusedByPlan = (): number => sim().requests.filter((request) => request.status === 429).length;

/** Waits for a condition on the simulator, Redis or the processes (the test timeout bounds it). */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}
