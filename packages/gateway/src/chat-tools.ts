import type { CallOptions, ReasoningOptions, ToolChoice, ToolDefinition } from '@router/core';
import { badField } from './errors.ts';
import { isObject, type JsonObject } from './json.ts';

const efforts: ReadonlySet<string> = new Set(['minimal', 'low', 'medium', 'high']);
const choiceWords: ReadonlySet<string> = new Set(['auto', 'none', 'required']);

/** Sets `tools`, `toolChoice`, `parallelToolCalls` and `reasoning` on `options` from the wire's fields. */
export function readToolsAndReasoning(body: JsonObject, options: CallOptions): void {
  for (const field of ['functions', 'function_call'] as const) {
    if (body[field] !== undefined && body[field] !== null) throw badField(field, 'belongs to the deprecated function-calling API: send `tools` and `tool_choice`.');
  }
  const tools = readTools(body.tools);
  if (tools !== undefined) options.tools = tools;
  const choice = readToolChoice(body.tool_choice);
  if (choice !== undefined) options.toolChoice = choice;
  const parallel = body.parallel_tool_calls;
  if (parallel !== undefined && parallel !== null) {
    if (typeof parallel !== 'boolean') throw badField('parallel_tool_calls', 'must be a boolean.');
    options.parallelToolCalls = parallel;
  }
  const reasoning = readReasoning(body.reasoning_effort, body.reasoning);
  if (reasoning !== undefined) options.reasoning = reasoning;
}

function readTools(value: unknown): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badField('tools', 'must be an array of { type: "function", function: { name, description?, parameters?, strict? } }.');
  if (value.length === 0) return undefined;
  const tools: ToolDefinition[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const tool: unknown = value[i];
    const at = `tools[${i}]`;
    if (!isObject(tool)) throw badField(at, 'must be an object { type: "function", function }.');
    if (tool.type !== 'function') throw badField(`${at}.type`, `must be "function" (got ${JSON.stringify(tool.type)}).`);
    const fn = tool.function;
    if (!isObject(fn)) throw badField(`${at}.function`, 'must be an object { name, description?, parameters?, strict? }.');
    if (typeof fn.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(fn.name)) {
      throw badField(`${at}.function.name`, 'must be 1 to 64 letters, digits, underscores or dashes.');
    }
    const definition: ToolDefinition = { name: fn.name };
    if (fn.description !== undefined && fn.description !== null) {
      if (typeof fn.description !== 'string') throw badField(`${at}.function.description`, 'must be a string.');
      definition.description = fn.description;
    }
    if (fn.parameters !== undefined && fn.parameters !== null) {
      if (!isObject(fn.parameters)) throw badField(`${at}.function.parameters`, 'must be a JSON Schema object.');
      definition.parameters = fn.parameters;
    }
    if (fn.strict !== undefined && fn.strict !== null) {
      if (typeof fn.strict !== 'boolean') throw badField(`${at}.function.strict`, 'must be a boolean.');
      definition.strict = fn.strict;
    }
    tools[i] = definition;
  }
  return tools;
}

function readToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    if (!choiceWords.has(value)) throw badField('tool_choice', `must be "auto", "none", "required" or { type: "function", function: { name } } (got ${JSON.stringify(value)}).`);
    return value as 'auto' | 'none' | 'required';
  }
  if (!isObject(value) || value.type !== 'function') throw badField('tool_choice', 'must be "auto", "none", "required" or { type: "function", function: { name } }.');
  const fn = value.function;
  if (!isObject(fn) || typeof fn.name !== 'string' || fn.name === '') throw badField('tool_choice.function.name', 'must name one of the tools.');
  return { name: fn.name };
}

/**
 * OpenAI's `reasoning_effort` and OpenRouter's `reasoning` object read as one
 * setting; the object's `effort` wins where both are sent. `{ enabled: false }`
 * asks for nothing.
 */
function readReasoning(effortField: unknown, object: unknown): ReasoningOptions | undefined {
  let reasoning: ReasoningOptions | undefined;
  if (effortField !== undefined && effortField !== null) reasoning = { effort: readEffort(effortField, 'reasoning_effort') };
  if (object === undefined || object === null) return reasoning;
  if (!isObject(object)) throw badField('reasoning', 'must be an object { effort?, max_tokens?, exclude?, enabled? }.');
  if (object.enabled !== undefined && typeof object.enabled !== 'boolean') throw badField('reasoning.enabled', 'must be a boolean.');
  if (object.enabled === false) return reasoning;
  reasoning ??= {};
  if (object.effort !== undefined && object.effort !== null) reasoning.effort = readEffort(object.effort, 'reasoning.effort');
  const budget = object.max_tokens;
  if (budget !== undefined && budget !== null) {
    if (typeof budget !== 'number' || !Number.isInteger(budget) || budget <= 0) throw badField('reasoning.max_tokens', 'must be a positive integer.');
    reasoning.maxTokens = budget;
  }
  if (object.exclude !== undefined && object.exclude !== null) {
    if (typeof object.exclude !== 'boolean') throw badField('reasoning.exclude', 'must be a boolean.');
    reasoning.exclude = object.exclude;
  }
  return reasoning;
}

function readEffort(value: unknown, field: string): NonNullable<ReasoningOptions['effort']> {
  if (typeof value !== 'string' || !efforts.has(value)) throw badField(field, `must be "minimal", "low", "medium" or "high" (got ${JSON.stringify(value)}).`);
  return value as NonNullable<ReasoningOptions['effort']>;
}
