export { checkSettings, createOpenAICompatibleBackend } from './backend.ts';
export { checkHealth, defaultHealthTimeoutMs } from './health.ts';
export type { Health } from './health.ts';
export { baseURLFromEnvironment, keyFromEnvironment } from './environment.ts';
export type { KeyLookup } from './environment.ts';
export type { OpenAICompatibleBackend } from './backend.ts';
export type {
  ErrorHints,
  FetchFunction,
  ModelInfo,
  OpenAICompatibleSettings,
  ProviderSettings,
  RequestContext,
  RequestOptions,
} from './settings.ts';
