import { createOpenRouter, type OpenRouterProvider } from '@openrouter/ai-sdk-provider';
import type { JSONObject, LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { ConfigurationError, type BackendCall, type ToolCall } from '@router/core';
import { createBackend, toToolCall } from '@router/core/adapter';
import { embedMany } from 'ai';
import { createErrorMapper } from './errors.ts';
import { embeddingUsageFrom, finishReasonFrom, providerMetadataFrom, usageFrom } from './metadata.ts';
import { promptFrom } from './prompt.ts';
import { chatBodyFields, createExtraBodyBuilder } from './request-body.ts';
import { ModelStreamReader } from './stream.ts';
import type { OpenRouterBackend, OpenRouterBackendSettings } from './types.ts';
import { validateCallExtraBody, validateSettings } from './validate.ts';

export const defaultOpenRouterBaseURL = 'https://openrouter.ai/api/v1';
const apiKeyVariable = 'OPENROUTER_API_KEY';

/**
 * A backend for OpenRouter on the AI SDK (`ai` and `@openrouter/ai-sdk-provider`).
 *
 *     const classifier = createOpenRouterBackend({ name: 'classifier', provider: { order: ['Cerebras'], allow_fallbacks: false } });
 *
 * Core owns retries: chat calls go to the provider model itself, which has none, and
 * embeddings through `embedMany` with `maxRetries: 0`.
 */
export function createOpenRouterBackend(settings: OpenRouterBackendSettings = {}): OpenRouterBackend {
  validateSettings(settings);
  const name = settings.name ?? 'openrouter';
  const baseURL = settings.baseURL ?? defaultOpenRouterBaseURL;
  const extraBodyFor = createExtraBodyBuilder(settings);
  let apiKey = settings.apiKey;
  let sdk: OpenRouterProvider | undefined;

  /** Created at the first call, so that importing or constructing never needs the key. */
  const openrouter = (): OpenRouterProvider => {
    if (sdk) return sdk;
    apiKey ??= process.env[apiKeyVariable] || undefined;
    if (apiKey === undefined) {
      throw new ConfigurationError([`${name}: no OpenRouter API key. Pass \`apiKey\` to createOpenRouterBackend or set ${apiKeyVariable}.`]);
    }
    sdk = createOpenRouter({
      apiKey,
      baseURL,
      // 'strict' asks for usage in streams (stream_options.include_usage), as OpenRouter expects.
      compatibility: 'strict',
      appName: settings.appName,
      appUrl: settings.appUrl,
      // The provider package sends appName as X-OpenRouter-Title; X-Title is the older name OpenRouter still reads.
      headers: { ...(settings.appName === undefined ? {} : { 'X-Title': settings.appName }), ...settings.headers },
      fetch: settings.fetch,
    });
    return sdk;
  };

  /** The model's call options: the prompt, sampling, abort, and every OpenRouter body field of this call. */
  const modelCall = ({ messages, options, signal }: BackendCall): LanguageModelV4CallOptions => {
    validateCallExtraBody(options.extraBody, { backend: name, model: options.model });
    const { stop } = options;
    // Spread by the provider package over the body it builds, so a call's extra body wins over everything but the reserved fields.
    const body = { ...chatBodyFields(options), ...extraBodyFor(options.extraBody) };
    return {
      prompt: promptFrom(messages),
      maxOutputTokens: options.maxTokens,
      temperature: options.temperature,
      topP: options.topP,
      seed: options.seed,
      presencePenalty: options.presencePenalty,
      frequencyPenalty: options.frequencyPenalty,
      stopSequences: stop === undefined ? undefined : typeof stop === 'string' ? [stop] : [...stop],
      headers: options.headers,
      abortSignal: signal,
      providerOptions: { openrouter: body as JSONObject },
    };
  };

  return createBackend({
    name,
    capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: true, structuredOutputs: true },
    mapError: createErrorMapper({ baseURL, secret: () => apiKey }),

    // The provider model's own calls, not `generateText` / `streamText`: core owns retries, steps and
    // timeouts, so their pipelines would only add cost per chunk (and `streamText` prints errors).
    async generate(call) {
      const model = openrouter().chat(call.options.model);
      const result = await model.doGenerate(modelCall(call));
      const { response, providerMetadata } = result;
      let text = '';
      let reasoning = '';
      const toolCalls: ToolCall[] = [];
      for (const part of result.content) {
        if (part.type === 'text') text += part.text;
        else if (part.type === 'reasoning') reasoning += part.text;
        else if (part.type === 'tool-call') toolCalls.push(toToolCall(part.toolCallId, part.toolName, part.input));
      }
      return {
        text,
        reasoning,
        toolCalls,
        finishReason: finishReasonFrom(result.finishReason),
        usage: usageFrom(result.usage, providerMetadata),
        model: response?.modelId,
        providerMetadata: providerMetadataFrom({ id: response?.id, headers: response?.headers, providerMetadata }),
      };
    },

    stream(call) {
      // Opened at the first read, so that a missing key or bad extra body fails there, typed by core.
      const open = async () => openrouter().chat(call.options.model).doStream(modelCall(call));
      return { [Symbol.asyncIterator]: () => new ModelStreamReader(open) };
    },

    async embed({ input, options, signal }) {
      validateCallExtraBody(options.extraBody, { backend: name, model: options.model });
      const extraBody = extraBodyFor(options.extraBody);
      // The provider package reads neither `dimensions` nor provider options for embeddings: both go in the body.
      const body = options.dimensions === undefined ? extraBody : { dimensions: options.dimensions, ...extraBody };
      const result = await embedMany({
        model: openrouter().textEmbeddingModel(options.model, { extraBody: body }),
        values: [...input],
        headers: options.headers,
        abortSignal: signal,
        maxRetries: 0,
      });
      const { providerMetadata } = result;
      return {
        embeddings: result.embeddings,
        usage: embeddingUsageFrom(result.usage.tokens, providerMetadata),
        providerMetadata: providerMetadataFrom({ headers: result.responses?.[0]?.headers, providerMetadata }),
      };
    },
  });
}
