export { createOpenRouterBackend, defaultOpenRouterBaseURL } from './backend.ts';
export type {
  OpenRouterBackend,
  OpenRouterBackendSettings,
  OpenRouterCallOptions,
  OpenRouterEmbedOptions,
  OpenRouterExtraBody,
  OpenRouterMaxPrice,
  OpenRouterPercentileCutoffs,
  OpenRouterProviderPreferences,
  OpenRouterProviderSort,
  OpenRouterQuantization,
} from './types.ts';
