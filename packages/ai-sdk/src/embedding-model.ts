import type { EmbeddingModelV3, EmbeddingModelV3CallOptions, EmbeddingModelV3Result } from '@ai-sdk/provider';
import type { EmbedOptions, Embeddings, LLMClient } from '@router/core';
import { definedHeaders, routerOptionsFrom } from './call-options.ts';
import { toAISDKError } from './errors.ts';
import { providerMetadataFrom } from './results.ts';
import { firstChoice } from './route.ts';

/** One embedding model id of the router as an AI SDK embedding model (specification v3). */
export class RouterEmbeddingModel implements EmbeddingModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider: string = 'router';
  readonly modelId: string;
  /** `embedMany` splits larger inputs into calls of this many values. */
  readonly maxEmbeddingsPerCall: number;
  readonly supportsParallelCalls = true;
  private readonly router: LLMClient;
  private routedTo: { backend: string | undefined } | undefined;

  constructor(router: LLMClient, modelId: string, maxEmbeddingsPerCall: number) {
    this.router = router;
    this.modelId = modelId;
    this.maxEmbeddingsPerCall = maxEmbeddingsPerCall;
  }

  async doEmbed(options: EmbeddingModelV3CallOptions): Promise<EmbeddingModelV3Result> {
    let result: Embeddings;
    try {
      result = await this.router.embed(options.values, this.embedOptions(options));
    } catch (error) {
      throw toAISDKError(error, { signal: options.abortSignal, modelType: 'embeddingModel' });
    }
    const routedTo = (this.routedTo ??= { backend: firstChoice(this.router, this.modelId, 'embed') }).backend;
    return {
      embeddings: result.embeddings,
      ...(result.usage?.inputTokens !== undefined && { usage: { tokens: result.usage.inputTokens } }),
      providerMetadata: providerMetadataFrom(result, routedTo),
      warnings: [],
    };
  }

  private embedOptions(options: EmbeddingModelV3CallOptions): EmbedOptions {
    const { providerOptions, extraBody, timeoutMs, deadline } = routerOptionsFrom(options.providerOptions) ?? {};
    const embed: EmbedOptions = { model: this.modelId };
    if (options.abortSignal !== undefined) embed.signal = options.abortSignal;
    const headers = definedHeaders(options.headers);
    if (headers !== undefined) embed.headers = headers;
    if (providerOptions !== undefined) embed.providerOptions = providerOptions;
    if (extraBody !== undefined) embed.extraBody = extraBody;
    if (timeoutMs !== undefined) embed.timeoutMs = timeoutMs;
    if (deadline !== undefined) embed.deadline = deadline;
    return embed;
  }
}
