import { resolveProfile } from './profile.ts';
import { createRandom, hashString } from './random.ts';
import type { OfferedTool, ToolChoice } from './request-tools.ts';
import { conversationSeed, planReply, sentenceTokens, textMessages, type ConversationMessage, type ReplyInput, type ReplyPlan } from './text.ts';
import { planToolCalls, toolCallTokens, type PlannedToolCall } from './tool-calls.ts';

/** Everything the model does in one assistant turn: reasoning, then tool calls or text. */
export interface TurnPlan {
  /** Reasoning tokens sent (none when the profile has none or the request excludes them). */
  reasoning: string[];
  /** Reasoning tokens counted in usage (sent or not). */
  reasoningTokens: number;
  /** The text reply; no tokens when the model calls tools. */
  reply: ReplyPlan;
  toolCalls: PlannedToolCall[];
  /** The wire finish reason. */
  finishReason: string;
  /** `completion_tokens`: reasoning, text and tool-call tokens. */
  completionTokens: number;
}

export interface TurnInput extends ReplyInput {
  tools?: readonly OfferedTool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  reasoningExcluded?: boolean;
}

export function planTurn(input: TurnInput): TurnPlan {
  const profile = resolveProfile(input.profile);
  if (profile.reasoningTokens === 0 && !input.tools?.length) {
    // The plain text path: nothing to add to the reply.
    const reply = planReply(input);
    return { reasoning: [], reasoningTokens: 0, reply, toolCalls: [], finishReason: reply.finishReason, completionTokens: reply.tokens.length };
  }
  const seed = conversationSeed(input.seed ?? 1, input.model, input.messages);
  const reasoning = profile.reasoningTokens > 0 ? sentenceTokens(createRandom(hashString('\u0008reasoning', seed)), profile.reasoningTokens) : [];
  const toolCalls = planToolCalls({
    conversationSeed: seed,
    messages: input.messages,
    tools: input.tools,
    toolChoice: input.toolChoice ?? 'auto',
    parallelToolCalls: input.parallelToolCalls ?? true,
  });
  const reply: ReplyPlan = toolCalls.length > 0 ? { tokens: [], finishReason: 'stop' } : planReply(input);
  return {
    reasoning: input.reasoningExcluded ? [] : reasoning,
    reasoningTokens: reasoning.length,
    reply,
    toolCalls,
    finishReason: toolCalls.length > 0 ? profile.toolCallsFinishReason : reply.finishReason,
    completionTokens: reasoning.length + reply.tokens.length + toolCallTokens(toolCalls),
  };
}

/**
 * The tool calls the simulator makes for this request, `[]` when it answers with text. Takes
 * core's shapes (`tools`, `toolChoice`, `parallelToolCalls` as in `CallOptions`), so an adapter's
 * test can compare `completion.toolCalls` exactly. The model calls when tools are offered and
 * `toolChoice` is not `'none'`: with `'auto'` (the default) unless the last message is a tool
 * result; with `'required'` or `{ name }` always. It calls the named tool, else the first, and
 * with `parallelToolCalls` not false and two or more tools, the first two.
 *
 * @example
 * const [call] = simulatedToolCalls({ model, messages, tools });
 * expect(completion.toolCalls?.[0]).toMatchObject({ id: call.id, name: call.name, arguments: call.arguments });
 */
export function simulatedToolCalls(input: {
  model: string;
  messages: readonly ConversationMessage[];
  /** The offered tools; core's `ToolDefinition` fits (only `name` and `parameters` matter). */
  tools: readonly { name: string; parameters?: unknown }[];
  toolChoice?: 'auto' | 'none' | 'required' | { name: string };
  parallelToolCalls?: boolean;
  seed?: number;
}): { id: string; name: string; arguments: string }[] {
  const messages = textMessages(input.messages);
  return planToolCalls({
    conversationSeed: conversationSeed(input.seed ?? 1, input.model, messages),
    messages,
    tools: input.tools.map((tool) => ({ name: tool.name, parameters: tool.parameters as Record<string, unknown> | undefined })),
    toolChoice: input.toolChoice ?? 'auto',
    parallelToolCalls: input.parallelToolCalls ?? true,
  });
}

/**
 * The reasoning text the simulator sends before its answer for this request: `''` unless the
 * model's profile has `reasoningTokens`. (OpenRouter's `reasoning.exclude` hides it on the wire.)
 */
export function simulatedReasoning(input: {
  model: string;
  messages: readonly ConversationMessage[];
  seed?: number;
  profile?: { reasoningTokens?: number };
}): string {
  return planTurn({ model: input.model, messages: textMessages(input.messages), seed: input.seed, profile: input.profile }).reasoning.join('');
}
