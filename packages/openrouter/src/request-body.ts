import type { CallOptions, ResponseFormat } from '@router/core';
import type { OpenRouterBackendSettings, OpenRouterProviderPreferences } from './types.ts';

type Body = Record<string, unknown>;

function mergePreferences(...layers: readonly unknown[]): OpenRouterProviderPreferences | undefined {
  let merged: OpenRouterProviderPreferences | undefined;
  for (const layer of layers) if (layer !== undefined) merged = { ...merged, ...(layer as OpenRouterProviderPreferences) };
  return merged;
}

/**
 * Builds the OpenRouter-specific fields of each request: the backend's
 * `defaultExtraBody`, then the call's `extraBody` key by key, with `provider`
 * merged field by field (backend `provider`, then `defaultExtraBody.provider`,
 * then the call's), so a call can override one preference and keep the rest.
 */
export function createExtraBodyBuilder(settings: OpenRouterBackendSettings): (callExtraBody: Body | undefined) => Body {
  const backendBody: Body = { ...settings.defaultExtraBody };
  const backendProvider = mergePreferences(settings.provider, settings.defaultExtraBody?.provider);
  if (backendProvider) backendBody.provider = backendProvider;

  return (callExtraBody) => {
    if (callExtraBody === undefined) return backendBody;
    const body: Body = { ...backendBody, ...callExtraBody };
    const provider = mergePreferences(backendProvider, callExtraBody.provider);
    if (provider) body.provider = provider;
    return body;
  };
}

function responseFormatField(format: ResponseFormat): Body | undefined {
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const jsonSchema: Body = { name: format.name ?? 'response', schema: format.schema };
      if (format.strict !== undefined) jsonSchema.strict = format.strict;
      return { type: 'json_schema', json_schema: jsonSchema };
    }
  }
}

/**
 * Chat fields the AI SDK has no plain setting for, written as OpenRouter's
 * body fields. JSON mode goes on the wire directly rather than through the
 * SDK's `output`, which would parse and validate the reply: here the caller
 * gets the text, as from every other backend.
 */
export function chatBodyFields(options: Pick<CallOptions, 'responseFormat' | 'user'>): Body | undefined {
  const responseFormat = options.responseFormat && responseFormatField(options.responseFormat);
  if (responseFormat === undefined && options.user === undefined) return undefined;
  const fields: Body = {};
  if (responseFormat) fields.response_format = responseFormat;
  if (options.user !== undefined) fields.user = options.user;
  return fields;
}
