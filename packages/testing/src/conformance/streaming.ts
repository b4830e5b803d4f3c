import { describe, expect, it } from 'vitest';
import type { Fault } from '../simulator/index.ts';
import type { ConformanceContext } from './context.ts';
import { conversation, drain, expectUsage, promptTokens } from './helpers.ts';

export function streamingTests(ctx: ConformanceContext): void {
  describe('stream', () => {
    const plain = ctx.chatModel('stream');
    // Stalls for a minute after its first chunk (a fault set in the test): the first chunk must not wait for the rest.
    const paced = ctx.chatModel('stream-paced');
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
      ctx.simulator.addFault({ model: paced, fault: { kind: 'stall', phase: 'between-chunks', ms: 60_000, afterChunks: 1 } });
      // A backend that buffered the response would hold this chunk for the minute (and the test would time out).
      let first: string | undefined;
      for await (const chunk of ctx.client().stream(conversation, { model: paced })) {
        first = chunk;
        expect(ctx.requestsFor(paced)[0]?.endedAt, 'the server is still sending').toBeUndefined();
        break;
      }
      expect(ctx.expectedReply(paced, conversation).startsWith(first ?? '-')).toBe(true);
      // Leaving the loop closed the connection while the server was still stalled.
      expect((await ctx.finishedRequest(paced)).clientAborted).toBe(true);
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
