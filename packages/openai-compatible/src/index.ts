export { checkSettings, createOpenAICompatibleBackend } from './backend.ts';
export type { OpenAICompatibleBackend } from './backend.ts';
export type {
  ErrorHints,
  FetchFunction,
  ModelInfo,
  OpenAICompatibleSettings,
  RequestContext,
  RequestOptions,
} from './settings.ts';
