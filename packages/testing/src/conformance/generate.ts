import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { bodyOf, conversation, expectUsage, promptTokens, wireText } from './helpers.ts';

export function generateTests(ctx: ConformanceContext): void {
  describe('generate', () => {
    const plain = ctx.chatModel('generate');
    // The simulator waits this long before it answers: the call's totalMs must cover it.
    const timed = ctx.chatModel('generate-timed', { ttftMs: 30 });
    const body = ctx.chatModel('generate-body');
    const usage = ctx.chatModel('generate-usage', { outputTokens: 6 });
    const cut = ctx.chatModel('generate-max-tokens');

    it('returns the simulator’s text with its metadata', async () => {
      const client = ctx.client();
      const completion = await client.generate(conversation, { model: plain });
      expect(completion.text).toBe(ctx.expectedReply(plain, conversation));
      expect(completion.finishReason).toBe('stop');
      expect(completion.backend).toBe(client.name);
      expect(completion.model).toBe(plain);
      expect(completion.attempts).toBe(1);
    });

    it('times the call: startedAt when it began, totalMs covering the server’s wait and no more than the caller saw', async () => {
      const before = Date.now();
      const outerStart = performance.now();
      const completion = await ctx.client().generate(conversation, { model: timed });
      const outerMs = performance.now() - outerStart;
      expect(completion.timings.startedAt).toBeGreaterThanOrEqual(before);
      expect(completion.timings.startedAt).toBeLessThanOrEqual(Date.now());
      // The server's timer starts after the request arrived (its clock has millisecond steps: 1 ms of slack).
      expect(completion.timings.totalMs).toBeGreaterThanOrEqual(30 - 1);
      expect(completion.timings.totalMs).toBeLessThanOrEqual(outerMs);
    });

    it('sends the model, the messages (string content or text parts) and the temperature, not streamed', async () => {
      await ctx.client().generate(conversation, { model: body, temperature: 0.3 });
      const sent = bodyOf(await ctx.finishedRequest(body));
      expect(sent.model).toBe(body);
      const messages = sent.messages as { role: unknown; content: unknown }[];
      expect(messages.map(({ role, content }) => ({ role, content: wireText(content) }))).toEqual(
        conversation.map(({ role, content }) => ({ role, content })),
      );
      expect(sent.temperature).toBe(0.3);
      expect(sent.stream ?? false).toBe(false);
    });

    it.skipIf(!ctx.capabilities.usage)('reports token usage (needs capabilities.usage)', async () => {
      const completion = await ctx.client().generate(conversation, { model: usage });
      expectUsage(completion.usage, { inputTokens: promptTokens(conversation), outputTokens: 6 });
    });

    it('honours maxTokens: the reply is cut and finishes with "length"', async () => {
      const completion = await ctx.client().generate(conversation, { model: cut, maxTokens: 3 });
      expect(completion.text).toBe(ctx.expectedReply(cut, conversation, 3));
      expect(completion.finishReason).toBe('length');
    });
  });
}
