import { startRedisServer, type TestRedisServer } from '@router/testing';
import { createClient } from '@redis/client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createRedisStore, type RedisStore, type RedisStoreOptions } from '../src/index.ts';

export interface RedisTestContext {
  /** The file's own redis-server (started before its tests, stopped after them). */
  readonly server: TestRedisServer;
  /** A store standing for one process, with the file's defaults; closed after each test. */
  processStore(options?: RedisStoreOptions): RedisStore;
  /** A fresh key per test, so tests share the server but not state. */
  freshKey(): string;
}

/**
 * Starts a redis-server for the test file and hands out stores that are closed after each test;
 * a test that stopped the server finds it started again for the next one.
 */
export function useRedis(defaults: RedisStoreOptions, keyPrefix: string): RedisTestContext {
  let server: TestRedisServer | undefined;
  const stores: RedisStore[] = [];
  let keyCount = 0;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server?.close());
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    if (server && !(await isUp(server.url))) await server.start();
  });
  const started = (): TestRedisServer => {
    if (!server) throw new Error('the redis-server starts in beforeAll: use it inside tests');
    return server;
  };
  return {
    get server() {
      return started();
    },
    processStore(options = {}) {
      const store = createRedisStore({ url: started().url, commandTimeoutMs: 900, retryAfterMs: 100, ...defaults, ...options });
      stores.push(store);
      return store;
    },
    freshKey: () => `${keyPrefix}-${++keyCount}`,
  };
}

/** Waits for a condition that a published message or a background read brings about (the test timeout bounds it). */
export async function until(condition: () => boolean | Promise<boolean>, everyMs = 10): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, everyMs));
}

async function isUp(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 200 } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.close();
    return true;
  } catch {
    return false;
  }
}
