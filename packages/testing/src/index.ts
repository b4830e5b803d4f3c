export * from './simulator/index.ts';
export * from './mock.ts';
export { closedPort } from './closed-port.ts';
export { createRandom, type Random } from './simulator/random.ts';
export { startRedisServer, type TestRedisServer, type TestRedisServerOptions } from './redis-server.ts';
