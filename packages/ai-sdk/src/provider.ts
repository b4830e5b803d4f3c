import { NoSuchModelError, type ProviderV3 } from '@ai-sdk/provider';
import type { LLMClient } from '@router/core';
import { RouterEmbeddingModel } from './embedding-model.ts';
import { RouterLanguageModel } from './language-model.ts';

export interface RouterProviderSettings {
  /**
   * Values per embedding call: `embedMany` splits larger inputs into calls
   * of this size. Default 2048 (OpenAI's limit; lower it for a backend that
   * takes fewer).
   */
  maxEmbeddingsPerCall?: number;
}

/** The router as an AI SDK provider: call it with a model id, or use its named methods. */
export interface RouterProvider extends ProviderV3 {
  (modelId: string): RouterLanguageModel;
  languageModel(modelId: string): RouterLanguageModel;
  embeddingModel(modelId: string): RouterEmbeddingModel;
  /** The name `ai` 6 also knows, for the same model. */
  textEmbeddingModel(modelId: string): RouterEmbeddingModel;
}

const defaultMaxEmbeddingsPerCall = 2048;

/**
 * Makes `router` (any `LLMClient`: a router, a single backend, a wrapped
 * one) an AI SDK provider. Model ids are the router's: it dispatches on them,
 * so any id its rules route works, and one it cannot route fails at the call
 * with `NoSuchModelError`.
 *
 * ```ts
 * const router = createRouterProvider(seedRouter);
 * const { text } = await generateText({ model: router('narrative-model'), prompt, maxRetries: 0 });
 * ```
 */
export function createRouterProvider(router: LLMClient, settings: RouterProviderSettings = {}): RouterProvider {
  const maxEmbeddingsPerCall = settings.maxEmbeddingsPerCall ?? defaultMaxEmbeddingsPerCall;
  if (!(Number.isInteger(maxEmbeddingsPerCall) && maxEmbeddingsPerCall > 0)) {
    throw new TypeError(`createRouterProvider: settings.maxEmbeddingsPerCall must be a positive integer (got ${String(settings.maxEmbeddingsPerCall)}).`);
  }
  const languageModel = (modelId: string): RouterLanguageModel => new RouterLanguageModel(router, modelId);
  const embeddingModel = (modelId: string): RouterEmbeddingModel => new RouterEmbeddingModel(router, modelId, maxEmbeddingsPerCall);
  return Object.assign((modelId: string) => languageModel(modelId), {
    specificationVersion: 'v3' as const,
    languageModel,
    embeddingModel,
    textEmbeddingModel: embeddingModel,
    imageModel(modelId: string): never {
      throw new NoSuchModelError({ modelId, modelType: 'imageModel', message: 'The router serves language and embedding models only.' });
    },
  });
}
