export { createOtelListener } from './listener.ts';
export type { OtelListenerOptions } from './listener.ts';
