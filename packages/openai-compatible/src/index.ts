export { checkSettings, createOpenAICompatibleBackend } from './backend.ts';
export type { OpenAICompatibleBackend } from './backend.ts';
export { describeErrorBody } from './errors.ts';
export type {
  ErrorHints,
  FetchFunction,
  ModelInfo,
  OpenAICompatibleSettings,
  RequestContext,
  RequestOptions,
} from './settings.ts';
