export { coldStartBudgetMs, createLmStudioBackend, defaultBaseURL, defaultFirstChunkTimeoutMs } from './backend.ts';
export type { LmStudioBackend, LmStudioSettings } from './backend.ts';
