/**
 * Checks the tool and reasoning fields of a chat request: `tools`, `tool_choice`,
 * `parallel_tool_calls`, OpenAI's `reasoning_effort` and OpenRouter's `reasoning` object.
 */

/** A tool the request offers, as the simulated model reads it. */
export interface OfferedTool {
  name: string;
  /** The JSON Schema of its arguments (undefined when the tool takes none). */
  parameters: Record<string, unknown> | undefined;
}

/** `tool_choice` as read: a mode, or the one tool the model must call. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export interface ToolFields {
  tools: OfferedTool[] | undefined;
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  /** OpenRouter's `reasoning.exclude`: reason, but leave the text out of the answer. */
  reasoningExcluded: boolean;
}

type Problem = { field: string; message: string };
type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** OpenAI's rule for function names. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const EFFORTS: readonly unknown[] = ['none', 'minimal', 'low', 'medium', 'high'];

function readTools(raw: unknown): OfferedTool[] | Problem | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) return { field: 'tools', message: 'must be a non-empty array' };
  const tools: OfferedTool[] = [];
  for (let i = 0; i < raw.length; i++) {
    const tool: unknown = raw[i];
    const at = `tools[${i}]`;
    if (!isRecord(tool) || tool.type !== 'function') return { field: `${at}.type`, message: 'must be "function"' };
    const fn = tool.function;
    if (!isRecord(fn)) return { field: `${at}.function`, message: 'required, an object' };
    if (typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) {
      return { field: `${at}.function.name`, message: 'required: 1 to 64 letters, digits, _ or -' };
    }
    if (tools.some((other) => other.name === fn.name)) return { field: `${at}.function.name`, message: `${fn.name} is offered twice` };
    if (fn.description !== undefined && typeof fn.description !== 'string') return { field: `${at}.function.description`, message: 'must be a string' };
    if (fn.parameters !== undefined && !isRecord(fn.parameters)) return { field: `${at}.function.parameters`, message: 'must be a JSON Schema object' };
    if (fn.strict !== undefined && fn.strict !== null && typeof fn.strict !== 'boolean') return { field: `${at}.function.strict`, message: 'must be a boolean' };
    tools.push({ name: fn.name, parameters: fn.parameters as Json | undefined });
  }
  return tools;
}

function readToolChoice(raw: unknown, tools: readonly OfferedTool[] | undefined): ToolChoice | Problem {
  if (raw === undefined || raw === null) return 'auto';
  if (tools === undefined) return { field: 'tool_choice', message: 'is only allowed when tools are specified' };
  if (raw === 'auto' || raw === 'none' || raw === 'required') return raw;
  const fn = isRecord(raw) && raw.type === 'function' ? raw.function : undefined;
  if (!isRecord(fn) || typeof fn.name !== 'string') {
    return { field: 'tool_choice', message: 'must be "auto", "none", "required" or {"type":"function","function":{"name"}}' };
  }
  const name = fn.name;
  if (!tools.some((tool) => tool.name === name)) return { field: 'tool_choice.function.name', message: `${JSON.stringify(name)} is not an offered tool` };
  return { name };
}

/** OpenRouter's `reasoning: { effort?, max_tokens?, exclude?, enabled? }`. */
function readReasoning(raw: unknown): { excluded: boolean } | Problem {
  if (raw === undefined || raw === null) return { excluded: false };
  if (!isRecord(raw)) return { field: 'reasoning', message: 'must be an object' };
  if (raw.effort !== undefined && !EFFORTS.includes(raw.effort)) return { field: 'reasoning.effort', message: 'must be "minimal", "low", "medium" or "high"' };
  const max = raw.max_tokens;
  if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 0)) return { field: 'reasoning.max_tokens', message: 'must be an integer >= 0' };
  for (const flag of ['exclude', 'enabled'] as const) {
    if (raw[flag] !== undefined && typeof raw[flag] !== 'boolean') return { field: `reasoning.${flag}`, message: 'must be a boolean' };
  }
  return { excluded: raw.exclude === true };
}

export function checkToolFields(body: Json): ToolFields | Problem {
  const tools = readTools(body.tools);
  if (tools !== undefined && !Array.isArray(tools)) return tools;
  const toolChoice = readToolChoice(body.tool_choice, tools);
  if (typeof toolChoice === 'object' && 'field' in toolChoice) return toolChoice;
  const parallel = body.parallel_tool_calls;
  if (parallel !== undefined && parallel !== null && typeof parallel !== 'boolean') return { field: 'parallel_tool_calls', message: 'must be a boolean' };
  const effort = body.reasoning_effort;
  if (effort !== undefined && effort !== null && !EFFORTS.includes(effort)) {
    return { field: 'reasoning_effort', message: 'must be "minimal", "low", "medium" or "high"' };
  }
  const reasoning = readReasoning(body.reasoning);
  if ('field' in reasoning) return reasoning;
  return { tools, toolChoice, parallelToolCalls: parallel !== false, reasoningExcluded: reasoning.excluded };
}
