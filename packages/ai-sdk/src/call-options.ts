import {
  InvalidArgumentError,
  type LanguageModelV3CallOptions,
  type LanguageModelV3ToolChoice,
  type SharedV3ProviderOptions,
  type SharedV3Warning,
} from '@ai-sdk/provider';
import type { BaseCallOptions, CallOptions, ResponseFormat, ToolChoice, ToolDefinition } from '@router/core';

/**
 * What a call can say to the router under `providerOptions.router`: the
 * router's own call options that the AI SDK's settings do not cover.
 */
export interface RouterCallOptions {
  /** End-to-end budget in milliseconds, shared by every attempt and fallback. */
  timeoutMs?: number;
  /** Absolute end-to-end deadline, epoch milliseconds. */
  deadline?: number;
  /** Streams: fail (or fall back) if nothing arrives this long after the start. */
  firstChunkTimeoutMs?: number;
  /** Streams: fail if nothing arrives this long between two parts. */
  idleTimeoutMs?: number;
  /** Body fields for the backend the call is routed to (never a fallback). */
  extraBody?: Record<string, unknown>;
  /** Body fields and headers per backend, by the router's name for it: they follow that backend, fallback or not. */
  providerOptions?: BaseCallOptions['providerOptions'];
  /** Reasoning effort and/or token budget, for backends that reason. */
  reasoning?: CallOptions['reasoning'];
  /** Whether the model may call several tools in one turn. */
  parallelToolCalls?: boolean;
  /** The end user's id, for providers' abuse monitoring. */
  user?: string;
}

/** The keys of `RouterCallOptions`, to refuse a misspelt one instead of ignoring it. */
const routerOptionKeys: ReadonlySet<string> = new Set<keyof RouterCallOptions>([
  'timeoutMs',
  'deadline',
  'firstChunkTimeoutMs',
  'idleTimeoutMs',
  'extraBody',
  'providerOptions',
  'reasoning',
  'parallelToolCalls',
  'user',
]);

/** `providerOptions.router`, checked for unknown keys; the router itself checks the values, naming the field. */
export function routerOptionsFrom(providerOptions: SharedV3ProviderOptions | undefined): RouterCallOptions | undefined {
  const options = providerOptions?.router;
  if (options === undefined) return undefined;
  for (const key of Object.keys(options)) {
    if (!routerOptionKeys.has(key)) {
      throw new InvalidArgumentError({
        argument: `providerOptions.router.${key}`,
        message: `providerOptions.router.${key} is not a router option (known: ${[...routerOptionKeys].join(', ')}).`,
      });
    }
  }
  return options as RouterCallOptions;
}

/** Headers without the unset ones (the AI SDK allows `undefined` values, the router does not). */
export function definedHeaders(headers: Record<string, string | undefined> | undefined): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  let defined: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) (defined ??= {})[name] = value;
  return defined;
}

/**
 * The AI SDK's call settings as the router's call options, and a warning for
 * each setting the router cannot honour (`topK`, provider-defined tools), so
 * none is dropped silently.
 */
export function callOptionsFrom(model: string, options: LanguageModelV3CallOptions, warnings: SharedV3Warning[]): CallOptions {
  const call: CallOptions = { model, ...routerOptionsFrom(options.providerOptions) };
  if (options.maxOutputTokens !== undefined) call.maxTokens = options.maxOutputTokens;
  if (options.temperature !== undefined) call.temperature = options.temperature;
  if (options.topP !== undefined) call.topP = options.topP;
  if (options.stopSequences !== undefined && options.stopSequences.length > 0) call.stop = options.stopSequences;
  if (options.seed !== undefined) call.seed = options.seed;
  if (options.presencePenalty !== undefined) call.presencePenalty = options.presencePenalty;
  if (options.frequencyPenalty !== undefined) call.frequencyPenalty = options.frequencyPenalty;
  if (options.topK !== undefined) warnings.push({ type: 'unsupported', feature: 'topK', details: 'OpenAI-compatible services take no topK; it was not sent.' });
  if (options.includeRawChunks) warnings.push({ type: 'unsupported', feature: 'includeRawChunks', details: 'The router streams typed parts, not the raw chunks of the service.' });
  if (options.abortSignal !== undefined) call.signal = options.abortSignal;
  const headers = definedHeaders(options.headers);
  if (headers !== undefined) call.headers = headers;
  const responseFormat = responseFormatFrom(options.responseFormat);
  if (responseFormat !== undefined) call.responseFormat = responseFormat;
  const tools = toolsFrom(options.tools, warnings);
  if (tools !== undefined) {
    call.tools = tools;
    if (options.toolChoice !== undefined) call.toolChoice = toolChoiceFrom(options.toolChoice);
  }
  return call;
}

function responseFormatFrom(format: LanguageModelV3CallOptions['responseFormat']): ResponseFormat | undefined {
  if (format?.type !== 'json') return undefined;
  if (format.schema === undefined) return { type: 'json_object' };
  return { type: 'json_schema', name: format.name ?? 'response', schema: format.schema as Record<string, unknown> };
}

function toolsFrom(tools: LanguageModelV3CallOptions['tools'], warnings: SharedV3Warning[]): ToolDefinition[] | undefined {
  if (tools === undefined || tools.length === 0) return undefined;
  const definitions: ToolDefinition[] = [];
  for (const tool of tools) {
    if (tool.type === 'provider') {
      warnings.push({ type: 'unsupported', feature: `provider-defined tool ${tool.id}`, details: 'The router offers function tools only; it was not sent.' });
      continue;
    }
    const definition: ToolDefinition = { name: tool.name, parameters: tool.inputSchema as Record<string, unknown> };
    if (tool.description !== undefined) definition.description = tool.description;
    if (tool.strict !== undefined) definition.strict = tool.strict;
    definitions.push(definition);
  }
  return definitions.length > 0 ? definitions : undefined;
}

function toolChoiceFrom(choice: LanguageModelV3ToolChoice): ToolChoice {
  return choice.type === 'tool' ? { name: choice.toolName } : choice.type;
}
