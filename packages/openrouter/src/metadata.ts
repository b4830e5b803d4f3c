import type { FinishReason, Usage } from '@router/core';
import type { ProviderMetadata, FinishReason as SdkFinishReason } from 'ai';
import { isPlainObject } from './validate.ts';

/** OpenRouter's usage accounting, as the provider package puts it in `providerMetadata.openrouter.usage`. */
function openRouterUsage(providerMetadata: ProviderMetadata | undefined): Record<string, unknown> | undefined {
  const usage = providerMetadata?.openrouter?.usage;
  return isPlainObject(usage) ? usage : undefined;
}

/** The token counts the SDK reports (its `LanguageModelUsage` has these among others). */
export interface TokenCounts {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  totalTokens?: number | undefined;
}

/** Token counts from the SDK, and the cost in USD credits that OpenRouter reports with them. */
export function usageFrom(usage: TokenCounts | undefined, providerMetadata: ProviderMetadata | undefined): Usage | undefined {
  const result: Usage = {};
  if (usage?.inputTokens !== undefined) result.inputTokens = usage.inputTokens;
  if (usage?.outputTokens !== undefined) result.outputTokens = usage.outputTokens;
  if (usage?.totalTokens !== undefined) result.totalTokens = usage.totalTokens;
  const cost = openRouterUsage(providerMetadata)?.cost;
  if (typeof cost === 'number') result.cost = cost;
  return Object.keys(result).length > 0 ? result : undefined;
}

/**
 * What the caller may want to look up later, under the `openrouter` key: the
 * generation id (for `/api/v1/generation?id=`), the provider that served, and
 * OpenRouter's full usage accounting (cached and reasoning tokens, cost details).
 */
export function providerMetadataFrom(response: {
  id?: string;
  headers?: Record<string, string>;
  providerMetadata: ProviderMetadata | undefined;
}): Record<string, unknown> {
  const openrouter: Record<string, unknown> = {};
  const generationId = response.headers?.['x-generation-id'] ?? response.id;
  if (generationId) openrouter.generationId = generationId;
  const provider = response.providerMetadata?.openrouter?.provider;
  if (typeof provider === 'string' && provider !== '') openrouter.provider = provider;
  const usage = openRouterUsage(response.providerMetadata);
  if (usage) openrouter.usage = usage;
  return { openrouter };
}

/** The SDK's `interrupted` (no completion signal: the output may be cut short) has no core equivalent but `unknown`. */
export function finishReasonFrom(reason: SdkFinishReason): FinishReason {
  return reason === 'interrupted' ? 'unknown' : reason;
}
