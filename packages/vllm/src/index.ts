export { createVllmBackend, defaultBaseURL } from './backend.ts';
export type { VllmSettings } from './backend.ts';
