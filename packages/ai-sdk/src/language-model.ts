import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamResult,
  SharedV3Warning,
} from '@ai-sdk/provider';
import type { Completion, LLMClient } from '@router/core';
import { callOptionsFrom } from './call-options.ts';
import { toAISDKError } from './errors.ts';
import { messagesFrom } from './prompt.ts';
import { finishReasonFrom, providerMetadataFrom, usageFrom } from './results.ts';
import { firstChoice } from './route.ts';
import { partsStream } from './stream-parts.ts';

/**
 * One model id of the router as an AI SDK language model (specification
 * v3, which `ai` 6 and `ai` 7 both accept). Every call goes through the
 * router, so its retries, fallbacks, limiters and breakers apply.
 *
 * No `#private` fields: `ai` 7 calls v3 models through a Proxy, where a
 * method's `this` is the proxy and `#fields` cannot be read.
 */
export class RouterLanguageModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider: string = 'router';
  readonly modelId: string;
  /** Images by `https:` URL go to the router as they are; the AI SDK downloads anything else. */
  readonly supportedUrls: Record<string, RegExp[]> = { 'image/*': [/^https:\/\//] };
  private readonly router: LLMClient;
  private routedTo: { backend: string | undefined } | undefined;

  constructor(router: LLMClient, modelId: string) {
    this.router = router;
    this.modelId = modelId;
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const warnings: SharedV3Warning[] = [];
    let completion: Completion;
    try {
      completion = await this.router.generate(messagesFrom(options.prompt), callOptionsFrom(this.modelId, options, warnings));
    } catch (error) {
      throw toAISDKError(error, { prompt: options.prompt, signal: options.abortSignal, modelType: 'languageModel' });
    }
    return {
      content: contentOf(completion),
      finishReason: finishReasonFrom(completion.finishReason),
      usage: usageFrom(completion.usage),
      providerMetadata: providerMetadataFrom(completion, this.firstChoice()),
      response: { modelId: completion.model },
      warnings,
    };
  }

  /**
   * Resolves once the first part has arrived, so a failure before it (after
   * the router's retries and fallbacks) rejects here, where `ai` handles it
   * like any provider's request error, and `streamText` sees one clean
   * stream however many attempts the router made.
   */
  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const warnings: SharedV3Warning[] = [];
    const context = { prompt: options.prompt, signal: options.abortSignal, modelType: 'languageModel' } as const;
    const router = this.router;
    const routed = router.stream(messagesFrom(options.prompt), callOptionsFrom(this.modelId, options, warnings));
    const iterator = routed.parts()[Symbol.asyncIterator]();
    let first;
    try {
      first = await iterator.next();
    } catch (error) {
      throw toAISDKError(error, context);
    }
    const stream = partsStream(iterator, first, warnings, {
      completion: () => routed.completion,
      metadata: (completion) => providerMetadataFrom(completion, this.firstChoice()),
      toError: (error) => toAISDKError(error, context),
      signal: options.abortSignal,
    });
    return { stream };
  }

  /** Chat calls, streamed or not, follow one table of rules. */
  private firstChoice(): string | undefined {
    return (this.routedTo ??= { backend: firstChoice(this.router, this.modelId, 'generate') }).backend;
  }
}

/** A completion's reasoning, text and tool calls as the AI SDK's content, in the order the model produced them. */
function contentOf(completion: Completion): LanguageModelV3Content[] {
  const content: LanguageModelV3Content[] = [];
  if (completion.reasoning) content.push({ type: 'reasoning', text: completion.reasoning });
  if (completion.text !== '') content.push({ type: 'text', text: completion.text });
  for (const call of completion.toolCalls ?? []) {
    content.push({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.arguments });
  }
  return content;
}
