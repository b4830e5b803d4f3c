export { checkSettings, createOpenAICompatibleBackend, defaultCapabilities } from './backend.ts';
export { checkHealth, defaultHealthTimeoutMs } from './health.ts';
export type { Health } from './health.ts';
export { baseURLFromEnvironment, keyFromEnvironment } from './environment.ts';
export type { KeyLookup } from './environment.ts';
export type { OpenAICompatibleBackend } from './backend.ts';
export type { ModelCapabilities } from './model-capabilities.ts';
export type {
  ErrorHints,
  FetchFunction,
  MaxTokensField,
  ModelInfo,
  OpenAICompatibleSettings,
  ProviderSettings,
  ReasoningField,
  RequestContext,
  RequestOptions,
} from './settings.ts';
