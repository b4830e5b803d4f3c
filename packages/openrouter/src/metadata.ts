import type { LanguageModelV4FinishReason, LanguageModelV4Usage, SharedV4ProviderMetadata } from '@ai-sdk/provider';
import type { FinishReason, Usage } from '@router/core';
import { isPlainObject } from './validate.ts';

type ProviderMetadata = SharedV4ProviderMetadata | undefined;

/** OpenRouter's usage accounting, as the provider package puts it in `providerMetadata.openrouter.usage`. */
function openRouterUsage(providerMetadata: ProviderMetadata): Record<string, unknown> | undefined {
  const usage = providerMetadata?.openrouter?.usage;
  return isPlainObject(usage) ? usage : undefined;
}

function numberAt(record: Record<string, unknown> | undefined, object: string, field: string): number | undefined {
  const inner = record?.[object];
  const value = isPlainObject(inner) ? inner[field] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/**
 * Token counts and the cost in USD credits. The reasoning and cached counts
 * come from OpenRouter's own accounting, which has them only where the
 * service reported them (the AI SDK's usage reads a missing count as 0).
 */
export function usageFrom(usage: LanguageModelV4Usage | undefined, providerMetadata: ProviderMetadata): Usage | undefined {
  const result: Usage = {};
  const input = usage?.inputTokens.total;
  const output = usage?.outputTokens.total;
  if (input !== undefined) result.inputTokens = input;
  if (output !== undefined) result.outputTokens = output;
  if (input !== undefined && output !== undefined) result.totalTokens = input + output;
  const accounting = openRouterUsage(providerMetadata);
  const reasoning = numberAt(accounting, 'completionTokensDetails', 'reasoningTokens');
  if (reasoning !== undefined) result.reasoningTokens = reasoning;
  const cached = numberAt(accounting, 'promptTokensDetails', 'cachedTokens');
  if (cached !== undefined) result.cachedInputTokens = cached;
  const cost = accounting?.cost;
  if (typeof cost === 'number') result.cost = cost;
  return Object.keys(result).length > 0 ? result : undefined;
}

/** Embedding token counts (the AI SDK reports one number) and their cost. */
export function embeddingUsageFrom(tokens: number, providerMetadata: ProviderMetadata): Usage {
  const result: Usage = { inputTokens: tokens, totalTokens: tokens };
  const cost = openRouterUsage(providerMetadata)?.cost;
  if (typeof cost === 'number') result.cost = cost;
  return result;
}

/**
 * What the caller may want to look up later, under the `openrouter` key: the
 * generation id (for `/api/v1/generation?id=`), the provider that served,
 * OpenRouter's full usage accounting (cached and reasoning tokens, cost
 * details), and the reasoning details some models need replayed.
 */
export function providerMetadataFrom(response: {
  id?: string | undefined;
  headers?: Record<string, string> | undefined;
  providerMetadata: ProviderMetadata;
}): Record<string, unknown> {
  const openrouter: Record<string, unknown> = {};
  const generationId = response.headers?.['x-generation-id'] ?? response.id;
  if (generationId) openrouter.generationId = generationId;
  const metadata = response.providerMetadata?.openrouter;
  const provider = metadata?.provider;
  if (typeof provider === 'string' && provider !== '') openrouter.provider = provider;
  const usage = openRouterUsage(response.providerMetadata);
  if (usage) openrouter.usage = usage;
  const details = metadata?.reasoning_details;
  if (Array.isArray(details) && details.length > 0) openrouter.reasoningDetails = details;
  return { openrouter };
}

/** The SDK's `interrupted` (no completion signal: the output may be cut short) has no core equivalent but `unknown`. */
export function finishReasonFrom(reason: LanguageModelV4FinishReason): FinishReason {
  return reason.unified === 'interrupted' ? 'unknown' : reason.unified;
}
