export { checkSettings, createOpenAICompatibleBackend, defaultCapabilities } from './backend.ts';
export type { OpenAICompatibleBackend } from './backend.ts';
export type { ModelCapabilities } from './model-capabilities.ts';
export type {
  ErrorHints,
  FetchFunction,
  MaxTokensField,
  ModelInfo,
  OpenAICompatibleSettings,
  ReasoningField,
  RequestContext,
  RequestOptions,
} from './settings.ts';
