import { createRandom, hashString, type Random } from './random.ts';
import { randomWord } from './words.ts';
import { jsonReplyText } from './json-reply.ts';
import { resolveProfile } from './profile.ts';
import type { ModelProfile } from './types.ts';

/** A chat message as the generator sees it: text content only. */
export interface TextMessage {
  role: string;
  content: string;
}

/** Seed for everything generated for one conversation. */
export function conversationSeed(seed: number, model: string, messages: readonly TextMessage[]): number {
  let h = hashString(`${seed}\u0001${model}`);
  for (const message of messages) h = hashString(`\u0002${message.role}\u0003${message.content}`, h);
  return h;
}

/**
 * Cuts text into tokens: each word with the whitespace that follows it (leading whitespace stays
 * with the first word). Joining the tokens gives the text back exactly.
 */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text.length > 0 ? [text] : []);
}

/** What the simulator answers to a chat request, before it is split into chunks. */
export interface ReplyPlan {
  /** The emitted tokens (already cut to `maxTokens`); their concatenation is the reply text. */
  tokens: string[];
  finishReason: 'stop' | 'length';
}

export interface ReplyInput {
  model: string;
  messages: readonly TextMessage[];
  maxTokens?: number;
  seed?: number;
  profile?: Partial<ModelProfile>;
  /** The request's `response_format`: `json_object` and `json_schema` make the reply one JSON object. */
  responseFormat?: unknown;
}

/** Builds the reply the simulator gives to a request: its tokens and finish reason. */
export function planReply(input: ReplyInput): ReplyPlan {
  const profile = resolveProfile(input.profile);
  const random = createRandom(conversationSeed(input.seed ?? 1, input.model, input.messages));
  const full = fullReplyTokens(random, profile, input.responseFormat);
  const limit = input.maxTokens ?? Number.POSITIVE_INFINITY;
  if (full.length > limit) return { tokens: full.slice(0, Math.max(0, limit)), finishReason: 'length' };
  return { tokens: full, finishReason: 'stop' };
}

function fullReplyTokens(random: Random, profile: ModelProfile, responseFormat: unknown): string[] {
  // A fixed reply is the test's explicit choice, so it wins over JSON mode.
  if (profile.reply !== undefined) return tokenize(profile.reply);
  const json = jsonReplyText(random, responseFormat);
  if (json !== undefined) return tokenize(json);
  return sentenceTokens(random, profile.outputTokens);
}

/** `count` generated word tokens forming one sentence: capitalised, spaced, ending with a full stop. */
export function sentenceTokens(random: Random, count: number): string[] {
  const total = Math.max(0, Math.floor(count));
  const tokens: string[] = [];
  for (let i = 0; i < total; i++) {
    let word = randomWord(random, i);
    if (i === 0) word = word.charAt(0).toUpperCase() + word.slice(1);
    tokens.push(i === total - 1 ? `${word}.` : `${word} `);
  }
  return tokens;
}

/** A message as the helpers take it: core's messages and wire messages both fit. */
export interface ConversationMessage {
  role: string;
  content: string | readonly { type: string; text?: string }[] | null;
}

/** The role and text of each message, as the simulator reads a request (text parts joined, images ignored). */
export function textMessages(messages: readonly ConversationMessage[]): TextMessage[] {
  return messages.map(({ role, content }) => ({
    role,
    content: typeof content === 'string' ? content : (content ?? []).map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join(''),
  }));
}

/**
 * The exact reply text the simulator gives for these inputs, so tests can compare exactly.
 *
 * - `model`: the model that answers (on OpenRouter, the first of `models` when the request has them).
 * - `messages`: as sent (core's messages or wire messages); text parts of array contents count as
 *   their concatenated `text`, images and tool calls do not count, tool results count as their content.
 * - `maxTokens`: the request's `max_tokens`. The MLX dialects apply their own defaults when the
 *   request has none (mlx 4096, mlx-lm 512), which only matters for replies longer than that.
 * - `seed`: the simulator's seed (default 1); `profile`: the model's profile (only `reply` and
 *   `outputTokens` matter); `responseFormat`: the request's `response_format`, if any.
 *
 * @example
 * expect(completion.text).toBe(simulatedReply({ model: 'm', messages, maxTokens: 10 }));
 */
export function simulatedReply(input: {
  model: string;
  messages: readonly ConversationMessage[];
  maxTokens?: number;
  seed?: number;
  profile?: Partial<ModelProfile>;
  responseFormat?: unknown;
}): string {
  return planReply({ ...input, messages: textMessages(input.messages) }).tokens.join('');
}
