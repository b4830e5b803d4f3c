export { createOllamaBackend, defaultBaseURL } from './backend.ts';
export type { OllamaSettings } from './backend.ts';
