export * from './simulator/index.ts';
export * from './mock.ts';
