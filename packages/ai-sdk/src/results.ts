import type {
  JSONObject,
  LanguageModelV3FinishReason,
  LanguageModelV3Usage,
  SharedV3ProviderMetadata,
} from '@ai-sdk/provider';
import type { CallMetadata, FinishReason, Usage } from '@router/core';

/** The router's finish reason in the AI SDK's terms (`unknown`, a stream that stopped without saying why, is `other`). */
export function finishReasonFrom(reason: FinishReason): LanguageModelV3FinishReason {
  return { unified: reason === 'unknown' ? 'other' : reason, raw: reason };
}

/** The router's usage in the AI SDK's shape: counts a service did not report stay undefined. */
export function usageFrom(usage: Usage | undefined): LanguageModelV3Usage {
  const input = usage?.inputTokens;
  const cached = usage?.cachedInputTokens;
  const output = usage?.outputTokens;
  const reasoning = usage?.reasoningTokens;
  const result: LanguageModelV3Usage = {
    inputTokens: {
      total: input,
      noCache: input !== undefined && cached !== undefined ? input - cached : undefined,
      cacheRead: cached,
      cacheWrite: undefined,
    },
    outputTokens: {
      total: output,
      text: output !== undefined && reasoning !== undefined ? output - reasoning : undefined,
      reasoning,
    },
  };
  if (usage !== undefined) result.raw = { ...usage };
  return result;
}

/**
 * What the router says about a call, under `providerMetadata.router`: the
 * backend that served it (the router's name for it, and the adapter's), the
 * model it served (for an alias, the deployment is that pair), the backend
 * the route chose first (so a fallback shows as `backend` differing from
 * `routedTo`), the attempts, and the timings. The serving adapter's own
 * metadata (an OpenRouter generation id...) stays under its own key.
 */
export function providerMetadataFrom(metadata: CallMetadata, routedTo: string | undefined): SharedV3ProviderMetadata {
  const router: JSONObject = {
    backend: metadata.backend,
    adapter: metadata.adapter,
    model: metadata.model,
    attempts: metadata.attempts,
    fallback: routedTo !== undefined && routedTo !== metadata.backend,
    timings: { ...metadata.timings },
  };
  if (routedTo !== undefined) router.routedTo = routedTo;
  return { ...(metadata.providerMetadata as SharedV3ProviderMetadata | undefined), router };
}
