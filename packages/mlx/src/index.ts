export { createMlxBackend } from './backend.ts';
export type { MlxBackend, MlxHealth } from './backend.ts';
export { defaultBaseURLs, defaultCapabilities, defaultFirstChunkTimeoutMs } from './settings.ts';
export type { MlxExtraBody, MlxModelId, MlxServer, MlxSettings } from './settings.ts';
