export { createRedisStore, type RedisStore, type RedisStoreOptions } from './store.ts';
export type { RedisStoreEvent } from './link.ts';
export { SharedStateUnavailableError } from './errors.ts';
