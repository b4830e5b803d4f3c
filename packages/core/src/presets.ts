import type { RouterConfig, RouteRule } from './router.ts';
import type { LLMClient } from './types.ts';

export interface SeedPolicyOptions {
  /** The local backend (MLX): local-prefixed models and every embedding. */
  local: LLMClient;
  /** The hosted backend for the large narrative model. */
  narrative: LLMClient;
  /** The fast backend for everything else (the classifier). Without it, the narrative backend serves. */
  classifier?: LLMClient;
  /** The narrative model id(s), routed to the narrative backend. */
  narrativeModel: string | readonly string[];
  /** Model id prefixes served locally. Default `["mlx-community/"]`. */
  localPrefixes?: readonly string[];
}

export const defaultLocalPrefixes: readonly string[] = ['mlx-community/'];

/**
 * The policy of the application this project grew out of: local-prefixed ids
 * go to `local`; the narrative model to `narrative`; everything else to
 * `classifier`, or to `narrative` when there is no classifier; embeddings
 * always to `local`. Backends are named `local`, `narrative` and `classifier`.
 *
 *     const llm = createRouter(seedPolicy({ local, narrative, classifier, narrativeModel }));
 */
export function seedPolicy(options: SeedPolicyOptions): RouterConfig {
  const backends: Record<string, LLMClient> = { local: options.local, narrative: options.narrative };
  if (options.classifier) backends.classifier = options.classifier;
  const narrativeModels = typeof options.narrativeModel === 'string' ? [options.narrativeModel] : options.narrativeModel;
  const rules: RouteRule[] = [
    ...(options.localPrefixes ?? defaultLocalPrefixes).map((prefix) => ({ prefix, backend: 'local' })),
    ...narrativeModels.map((model) => ({ model, backend: 'narrative' })),
  ];
  return {
    backends,
    rules,
    default: options.classifier ? 'classifier' : 'narrative',
    embeddings: { default: 'local' },
  };
}
