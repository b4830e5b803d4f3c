import type { Message } from '@router/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { bodyOf, conversation, drainParts, expectRefused, extraField } from './helpers.ts';

/** Where a backend may put the effort: OpenAI's `reasoning_effort` or OpenRouter's `reasoning.effort`. */
function sentEffort(body: Record<string, unknown>): unknown {
  const object = extraField(body, 'reasoning');
  return extraField(body, 'reasoning_effort') ?? (typeof object === 'object' && object !== null ? (object as { effort?: unknown }).effort : undefined);
}

/**
 * Reasoning, gated by `capabilities.reasoning`: the effort reaches the wire, the reasoning text
 * comes back before the answer (completion and parts view), with its token count, and a long
 * reasoning phase counts as activity for `firstChunkTimeoutMs`.
 */
export function reasoningTests(ctx: ConformanceContext): void {
  const supported = ctx.capabilities.reasoning === true;
  const needs = '(needs capabilities.reasoning)';

  describe('reasoning', () => {
    const thinking = ctx.chatModel('reasoning', { reasoningTokens: 6 });
    const parts = ctx.chatModel('reasoning-parts', { reasoningTokens: 6 });
    // Twelve reasoning chunks at 6 a second: the first text arrives 2 s in, long after the 1 s first-chunk limit.
    const slow = ctx.chatModel('reasoning-slow', { reasoningTokens: 12, tokensPerSecond: 6, outputTokens: 2 });
    const refused = ctx.chatModel('reasoning-refused');

    it.skipIf(!supported)(`generate: the effort reaches the wire; the reasoning text and its tokens come back with the answer ${needs}`, async () => {
      const completion = await ctx.client().generate(conversation, { model: thinking, reasoning: { effort: 'low' } });
      expect(completion.text).toBe(ctx.expectedReply(thinking, conversation));
      expect(completion.reasoning).toBe(ctx.expectedReasoning(thinking, conversation));
      if (ctx.capabilities.usage) expect(completion.usage?.reasoningTokens).toBe(6);
      expect(sentEffort(bodyOf(await ctx.finishedRequest(thinking)))).toBe('low');
    });

    it.skipIf(!supported)(`parts(): reasoning deltas come before the text, then finish; the completion joins them ${needs}`, async () => {
      const stream = ctx.client().stream(conversation, { model: parts, reasoning: { effort: 'high' } });
      const { parts: read, error } = await drainParts(stream);
      expect(error).toBeUndefined();
      const types = read.map((part) => part.type);
      const firstText = types.indexOf('text');
      expect(types.lastIndexOf('reasoning')).toBeLessThan(firstText);
      expect(types.at(-1)).toBe('finish');
      const reasoning = read.map((part) => (part.type === 'reasoning' ? part.text : '')).join('');
      expect(reasoning).toBe(ctx.expectedReasoning(parts, conversation));
      expect(read.map((part) => (part.type === 'text' ? part.text : '')).join('')).toBe(ctx.expectedReply(parts, conversation));
      expect((await stream.completion).reasoning).toBe(reasoning);
    });

    it.skipIf(!supported)(`a reasoning phase longer than firstChunkTimeoutMs does not trip it: reasoning deltas are activity ${needs}`, async () => {
      const messages: readonly Message[] = conversation;
      const completion = await ctx.client().stream(messages, { model: slow, firstChunkTimeoutMs: 1000, reasoning: { effort: 'medium' } }).collect();
      expect(completion.text).toBe(ctx.expectedReply(slow, messages));
      expect(completion.reasoning).toBe(ctx.expectedReasoning(slow, messages));
    });

    it.skipIf(supported)('refuses reasoning settings before the network, naming the capability (capabilities.reasoning is false)', async () => {
      await expectRefused(ctx, 'reasoning', conversation, { model: refused, reasoning: { effort: 'low' } });
    });
  });
}
