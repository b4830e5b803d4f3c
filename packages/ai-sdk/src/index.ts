export { createRouterProvider, type RouterProvider, type RouterProviderSettings } from './provider.ts';
export { RouterLanguageModel } from './language-model.ts';
export { RouterEmbeddingModel } from './embedding-model.ts';
export type { RouterCallOptions } from './call-options.ts';
