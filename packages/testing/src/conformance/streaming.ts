import { describe, expect, it } from 'vitest';
import type { Fault } from '../simulator/index.ts';
import type { ConformanceContext } from './context.ts';
import { conversation, drain, expectUsage, promptTokens } from './helpers.ts';

export function streamingTests(ctx: ConformanceContext): void {
  describe('stream', () => {
    const plain = ctx.chatModel('stream');
    // 10 ms per token: slow enough that the first chunk clearly precedes the end of the response.
    const paced = ctx.chatModel('stream-paced', { tokensPerSecond: 100, outputTokens: 8 });
    // The first chunk comes 30 ms after the request: firstChunkMs must cover it.
    const metadata = ctx.chatModel('stream-metadata', { ttftMs: 30 });
    const usage = ctx.chatModel('stream-usage', { outputTokens: 6 });
    const cut = ctx.chatModel('stream-max-tokens');

    it('yields chunks that join to the simulator’s text, as the completion reports', async () => {
      const stream = ctx.client().stream(conversation, { model: plain });
      const { chunks, error } = await drain(stream);
      expect(error).toBeUndefined();
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.join('')).toBe(ctx.expectedReply(plain, conversation));
      expect((await stream.completion).text).toBe(chunks.join(''));
    });

    it('delivers the first chunk before the server has finished the response', async () => {
      let firstChunkAt: number | undefined;
      const { chunks, error } = await drain(ctx.client().stream(conversation, { model: paced }), () => {
        firstChunkAt ??= Date.now();
      });
      expect(error).toBeUndefined();
      expect(chunks.length).toBeGreaterThan(1);
      const request = await ctx.finishedRequest(paced);
      expect(firstChunkAt).toBeLessThan(request.endedAt ?? 0);
    });

    it('reports metadata once the stream has ended: backend, model, finish reason, timings', async () => {
      const client = ctx.client();
      const before = Date.now();
      const outerStart = performance.now();
      const completion = await client.stream(conversation, { model: metadata }).collect();
      const outerMs = performance.now() - outerStart;
      expect(completion.backend).toBe(client.name);
      expect(completion.model).toBe(metadata);
      expect(completion.finishReason).toBe('stop');
      expect(completion.attempts).toBe(1);
      expect(completion.timings.startedAt).toBeGreaterThanOrEqual(before);
      expect(completion.timings.startedAt).toBeLessThanOrEqual(Date.now());
      // The server's timer starts after the request arrived (its clock has millisecond steps: 1 ms of slack).
      expect(completion.timings.firstChunkMs).toBeGreaterThanOrEqual(30 - 1);
      expect(completion.timings.totalMs).toBeGreaterThanOrEqual(completion.timings.firstChunkMs ?? Number.POSITIVE_INFINITY);
      expect(completion.timings.totalMs).toBeLessThanOrEqual(outerMs);
    });

    it.skipIf(!ctx.capabilities.usage)('reports token usage once the stream has ended (needs capabilities.usage)', async () => {
      const completion = await ctx.client().stream(conversation, { model: usage }).collect();
      expectUsage(completion.usage, { inputTokens: promptTokens(conversation), outputTokens: 6 });
    });

    it('honours maxTokens: the text is cut and finishes with "length"', async () => {
      const completion = await ctx.client().stream(conversation, { model: cut, maxTokens: 5 }).collect();
      expect(completion.text).toBe(ctx.expectedReply(cut, conversation, 5));
      expect(completion.finishReason).toBe('length');
    });

    const framing: { label: string; fault: Fault }[] = [
      { label: 'CRLF line endings', fault: { kind: 'crlf' } },
      { label: 'writes split inside lines and inside UTF-8 characters', fault: { kind: 'split-writes' } },
    ];
    for (const { label, fault } of framing) {
      const model = ctx.chatModel(`stream-${fault.kind}`);
      it(`gives the exact text with ${label}`, async () => {
        ctx.simulator.addFault({ model, fault });
        const completion = await ctx.client().stream(conversation, { model }).collect();
        expect(completion.text).toBe(ctx.expectedReply(model, conversation));
        expect(completion.finishReason).toBe('stop');
      });
    }
  });
}
