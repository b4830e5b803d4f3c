import type { CallOptions, ReasoningOptions, ResponseFormat, ToolChoice, ToolDefinition } from '@router/core';
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

function toolChoiceField(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/** Tools in OpenAI's shape, written here because the provider package drops `strict` when it maps the AI SDK's tools. */
function toolsField(tools: readonly ToolDefinition[]): Body[] {
  return tools.map(({ name, description, parameters, strict }) => {
    const fn: Body = { name, parameters: parameters ?? { type: 'object', properties: {} } };
    if (description !== undefined) fn.description = description;
    if (strict !== undefined) fn.strict = strict;
    return { type: 'function', function: fn };
  });
}

function reasoningField({ effort, maxTokens, exclude }: ReasoningOptions): Body {
  const reasoning: Body = {};
  if (effort !== undefined) reasoning.effort = effort;
  if (maxTokens !== undefined) reasoning.max_tokens = maxTokens;
  if (exclude !== undefined) reasoning.exclude = exclude;
  return reasoning;
}

type ChatBodyOptions = Pick<CallOptions, 'responseFormat' | 'user' | 'tools' | 'toolChoice' | 'parallelToolCalls' | 'reasoning'>;

/**
 * Chat fields written as OpenRouter's body fields rather than through the AI
 * SDK's settings. JSON mode goes on the wire directly, so the caller gets the
 * text, as from every other backend; tools and their choice in OpenAI's shape
 * (only with tools: OpenAI-style servers reject `tool_choice` and
 * `parallel_tool_calls` without them); `reasoning` as OpenRouter's field.
 */
export function chatBodyFields(options: ChatBodyOptions): Body | undefined {
  const { responseFormat, user, tools, toolChoice, parallelToolCalls, reasoning } = options;
  const format = responseFormat && responseFormatField(responseFormat);
  const withTools = tools !== undefined && tools.length > 0;
  if (format === undefined && user === undefined && !withTools && reasoning === undefined) return undefined;
  const fields: Body = {};
  if (format) fields.response_format = format;
  if (user !== undefined) fields.user = user;
  if (withTools) {
    fields.tools = toolsField(tools);
    if (toolChoice !== undefined) fields.tool_choice = toolChoiceField(toolChoice);
    if (parallelToolCalls !== undefined) fields.parallel_tool_calls = parallelToolCalls;
  }
  if (reasoning !== undefined) fields.reasoning = reasoningField(reasoning);
  return fields;
}
