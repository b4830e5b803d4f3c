import { createOpenRouter, type OpenRouterProvider } from '@openrouter/ai-sdk-provider';
import { ConfigurationError, type BackendCall, type StreamPart } from '@router/core';
import { createBackend } from '@router/core/adapter';
import { embedMany, generateText, streamText, type ModelMessage } from 'ai';
import { createErrorMapper } from './errors.ts';
import { finishReasonFrom, providerMetadataFrom, usageFrom } from './metadata.ts';
import { chatBodyFields, createExtraBodyBuilder } from './request-body.ts';
import type { OpenRouterBackend, OpenRouterBackendSettings } from './types.ts';
import { validateCallExtraBody, validateSettings } from './validate.ts';

export const defaultOpenRouterBaseURL = 'https://openrouter.ai/api/v1';
const apiKeyVariable = 'OPENROUTER_API_KEY';

/** `streamText` reports errors twice: as `error` parts, which we rethrow, and to `onError`, which by default prints them. */
const errorsArriveAsStreamParts = (): void => {};

/**
 * A backend for OpenRouter on the AI SDK (`ai` and `@openrouter/ai-sdk-provider`).
 *
 *     const classifier = createOpenRouterBackend({ name: 'classifier', provider: { order: ['Cerebras'], allow_fallbacks: false } });
 *
 * Core owns retries, so the SDK's are off (`maxRetries: 0`) on every call.
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

  /** Everything `generateText` and `streamText` share: the model with this call's body fields, the prompt, sampling, abort. */
  const chatCall = ({ messages, options, signal }: BackendCall) => {
    validateCallExtraBody(options.extraBody, { backend: name, model: options.model });
    const { stop } = options;
    return {
      model: openrouter().chat(options.model, { extraBody: { ...chatBodyFields(options), ...extraBodyFor(options.extraBody) } }),
      messages: messages.map(({ role, content }): ModelMessage => ({ role, content })),
      // The caller's messages are the prompt as given, system messages included, in order.
      allowSystemInMessages: true,
      maxOutputTokens: options.maxTokens,
      temperature: options.temperature,
      topP: options.topP,
      seed: options.seed,
      presencePenalty: options.presencePenalty,
      frequencyPenalty: options.frequencyPenalty,
      stopSequences: stop === undefined ? undefined : typeof stop === 'string' ? [stop] : [...stop],
      headers: options.headers,
      abortSignal: signal,
      maxRetries: 0,
    };
  };

  return createBackend({
    name,
    capabilities: { embeddings: true, jsonMode: true, usage: true },
    mapError: createErrorMapper({ baseURL, secret: () => apiKey }),

    async generate(call) {
      const result = await generateText(chatCall(call));
      const { response, providerMetadata } = result;
      return {
        text: result.text,
        finishReason: finishReasonFrom(result.finishReason),
        usage: usageFrom(result.usage, providerMetadata),
        model: response.modelId,
        providerMetadata: providerMetadataFrom({ id: response.id, headers: response.headers, providerMetadata }),
      };
    },

    async *stream(call): AsyncGenerator<StreamPart> {
      // fullStream, not textStream: textStream drops error parts, so a failed stream would look like a short answer.
      const result = streamText({ ...chatCall(call), onError: errorsArriveAsStreamParts });
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          yield { type: 'text', text: part.text };
        } else if (part.type === 'error') {
          throw part.error; // createBackend hands it to mapError
        } else if (part.type === 'finish-step' && part.rawFinishReason !== undefined && part.finishReason !== 'interrupted') {
          // Without a finish reason the stream just stopped: withhold the finish part so core reports it incomplete.
          const { response, providerMetadata } = part;
          yield {
            type: 'finish',
            finishReason: finishReasonFrom(part.finishReason),
            usage: usageFrom(part.usage, providerMetadata),
            model: response.modelId,
            providerMetadata: providerMetadataFrom({ id: response.id, headers: response.headers, providerMetadata }),
          };
        }
      }
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
      const tokens = result.usage.tokens;
      return {
        embeddings: result.embeddings,
        usage: usageFrom({ inputTokens: tokens, totalTokens: tokens }, providerMetadata),
        providerMetadata: providerMetadataFrom({ headers: result.responses?.[0]?.headers, providerMetadata }),
      };
    },
  });
}
