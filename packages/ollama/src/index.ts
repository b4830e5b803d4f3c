export { createOllamaBackend, defaultBaseURL, defaultEmbeddingConcurrency } from './backend.ts';
export type { OllamaBackend, OllamaSettings } from './backend.ts';
