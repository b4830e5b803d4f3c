import { schemaValue } from './json-reply.ts';
import { createRandom, hashString, type Random } from './random.ts';
import type { OfferedTool, ToolChoice } from './request-tools.ts';
import type { TextMessage } from './text.ts';
import type { ToolCallStyle } from './types.ts';
import { randomPhrase, randomWord } from './words.ts';

/** A tool call the simulated model makes. `arguments` is compact JSON text. */
export interface PlannedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ToolTurnInput {
  /** Seed of the conversation (see `conversationSeed`). */
  conversationSeed: number;
  messages: readonly TextMessage[];
  tools: readonly OfferedTool[] | undefined;
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
}

/** At most this many calls in one turn: enough to prove parallel calls, few enough to read. */
const MAX_PARALLEL_CALLS = 2;

/**
 * The tool calls the model makes in this turn, or none (it answers with text). It calls when tools
 * are offered and `tool_choice` is not `none`: with `auto` only when the last message is not a tool
 * result; with `required` or a named tool, always. It calls the named tool, or the first offered
 * tool, and with parallel calls allowed and two or more tools, the first two.
 */
export function planToolCalls(input: ToolTurnInput): PlannedToolCall[] {
  const { tools, toolChoice } = input;
  if (tools === undefined || tools.length === 0 || toolChoice === 'none') return [];
  if (toolChoice === 'auto' && input.messages.at(-1)?.role === 'tool') return [];
  let chosen: readonly OfferedTool[];
  if (typeof toolChoice === 'object') chosen = tools.filter((tool) => tool.name === toolChoice.name);
  else chosen = tools.slice(0, input.parallelToolCalls ? MAX_PARALLEL_CALLS : 1);
  return chosen.map((tool, index) => {
    const seed = hashString(`\u0006tool-call\u0007${index}`, input.conversationSeed);
    return { id: toolCallId(seed), name: tool.name, arguments: toolArguments(tool, createRandom(seed)) };
  });
}

/** `call_` and 24 characters, as OpenAI's ids look, derived from the seed. */
function toolCallId(seed: number): string {
  let id = 'call_';
  let h = seed;
  while (id.length < 29) {
    h = hashString(id, h);
    id += h.toString(36).padStart(7, '0').slice(0, 6);
  }
  return id.slice(0, 29);
}

/**
 * Strings in arguments carry a quoted word, so the JSON has `\"` escapes to cut through, and
 * generated words with multi-byte characters.
 */
const argumentString = (random: Random): string => `${randomPhrase(random, 2)} "${randomWord(random, 1)}"`;

/** Compact JSON that satisfies the tool's parameters, with astral characters (emoji) written as `\u` escapes. */
function toolArguments(tool: OfferedTool, random: Random): string {
  const schema = tool.parameters ?? { type: 'object', properties: {} };
  const json = JSON.stringify(schemaValue(schema, random, argumentString)) ?? '{}';
  // Models often escape non-ASCII text; an escape is one more place a fragment can cut.
  return json.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, (pair) => `\\u${hex4(pair.charCodeAt(0))}\\u${hex4(pair.charCodeAt(1))}`);
}

function hex4(code: number): string {
  return code.toString(16).padStart(4, '0');
}

/** Fragment lengths in characters, cycled: short and uneven so cuts land everywhere. */
const FRAGMENT_LENGTHS = [3, 1, 6, 2, 9, 4] as const;

/**
 * Cuts argument text into stream fragments at awkward places: inside strings, right after a
 * backslash (inside `\"` and `\u` escapes), and next to multi-byte characters. Never inside a
 * UTF-16 surrogate pair (no server splits a character it decoded). Joined, they give the text back.
 */
export function argumentFragments(text: string): string[] {
  const fragments: string[] = [];
  let current = '';
  let turn = 0;
  for (const char of text) {
    current += char;
    const full = current.length >= (FRAGMENT_LENGTHS[turn % FRAGMENT_LENGTHS.length] ?? 4);
    if (full || char === '\\' || char.charCodeAt(0) > 0x7f) {
      fragments.push(current);
      current = '';
      turn += 1;
    }
  }
  if (current !== '') fragments.push(current);
  return fragments;
}

/** One entry of a delta's `tool_calls`. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments: string };
}

/**
 * The `tool_calls` of each streamed chunk, in order. `deltas`: a call opens with its index, id,
 * type, name and empty arguments, then its argument fragments follow; parallel calls interleave
 * (call k joins at round k, then each round carries one delta of every open call).
 * `id-every-delta` repeats the id on every fragment; `whole` sends each call in one delta.
 */
export function toolCallChunks(calls: readonly PlannedToolCall[], style: ToolCallStyle): ToolCallDelta[][] {
  if (style === 'whole') {
    return calls.map((call, index) => [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }]);
  }
  const queues = calls.map((call, index): ToolCallDelta[] => [
    { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
    ...argumentFragments(call.arguments).map((piece) => (style === 'id-every-delta' ? { index, id: call.id, function: { arguments: piece } } : { index, function: { arguments: piece } })),
  ]);
  const chunks: ToolCallDelta[][] = [];
  for (let round = 0; queues.some((queue) => queue.length > 0); round++) {
    for (let k = 0; k <= round && k < queues.length; k++) {
      const next = queues[k]?.shift();
      if (next) chunks.push([next]);
    }
  }
  return chunks;
}

/** Output tokens the simulator counts for tool calls: a quarter of the characters of names and arguments, rounded up. */
export function toolCallTokens(calls: readonly PlannedToolCall[]): number {
  let chars = 0;
  for (const call of calls) chars += call.name.length + call.arguments.length;
  return Math.ceil(chars / 4);
}
