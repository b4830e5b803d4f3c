export { createLmstudioBackend, defaultBaseURL } from './backend.ts';
export type { LmstudioSettings } from './backend.ts';
