import { AbortedError, TimeoutError } from '@router/core';
import { describe, expect, it, vi } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { conversation, drain, expectAborted, expectError, rejectionOf } from './helpers.ts';

export function cancellationTests(ctx: ConformanceContext): void {
  describe('abort and timeouts', () => {
    // 40 tokens at 20 per second: the response would take two seconds if an abort were ignored.
    const slow = { tokensPerSecond: 20, outputTokens: 40 };
    const abortMidStream = ctx.chatModel('abort-mid-stream', slow);
    const leaveEarly = ctx.chatModel('abort-leave-loop', slow);
    const abortBefore = ctx.chatModel('abort-before-start');
    const abortGenerate = ctx.chatModel('abort-generate');
    const timeoutGenerate = ctx.chatModel('timeout-generate');
    const timeoutStream = ctx.chatModel('timeout-stream');
    // Far longer than any test waits; the simulator cancels it when the client leaves or on close.
    const stallMs = 5000;

    it('an abort during a stream ends it with an abort error and closes the connection', async () => {
      const controller = new AbortController();
      const stream = ctx.client().stream(conversation, { model: abortMidStream, signal: controller.signal });
      const { chunks, error } = await drain(stream, () => controller.abort());
      expectAborted(error);
      expect(chunks.join('').length).toBeLessThan(ctx.expectedReply(abortMidStream, conversation).length);
      // Closed by the client before the server finished: the abort reached the socket.
      expect((await ctx.finishedRequest(abortMidStream)).clientAborted).toBe(true);
    });

    it('leaving the loop early closes the connection and settles the completion as aborted', async () => {
      const stream = ctx.client().stream(conversation, { model: leaveEarly });
      for await (const _chunk of stream) break;
      expectAborted(await rejectionOf(stream.completion));
      expect((await ctx.finishedRequest(leaveEarly)).clientAborted).toBe(true);
    });

    it('an already-aborted signal fails with AbortedError and sends nothing', async () => {
      const client = ctx.client();
      const signal = AbortSignal.abort();
      expectError(await rejectionOf(client.generate(conversation, { model: abortBefore, signal })), AbortedError);
      expectError((await drain(client.stream(conversation, { model: abortBefore, signal }))).error, AbortedError);
      expect(ctx.requestsFor(abortBefore)).toHaveLength(0);
    });

    it('an abort while waiting for the response ends generate with AbortedError and closes the connection', async () => {
      ctx.simulator.addFault({ model: abortGenerate, fault: { kind: 'stall', phase: 'headers', ms: stallMs } });
      const controller = new AbortController();
      const pending = rejectionOf(ctx.client().generate(conversation, { model: abortGenerate, signal: controller.signal }));
      await vi.waitFor(() => expect(ctx.requestsFor(abortGenerate)).toHaveLength(1));
      controller.abort();
      expectError(await pending, AbortedError);
      expect((await ctx.finishedRequest(abortGenerate)).clientAborted).toBe(true);
    });

    it('timeoutMs fires while the model stalls: generate fails with TimeoutError', async () => {
      ctx.simulator.addFault({ model: timeoutGenerate, fault: { kind: 'stall', phase: 'headers', ms: stallMs } });
      const error = await rejectionOf(ctx.client().generate(conversation, { model: timeoutGenerate, timeoutMs: 100 }));
      expect(expectError(error, TimeoutError).phase).toBe('total');
      expect((await ctx.finishedRequest(timeoutGenerate)).clientAborted).toBe(true);
    });

    it('timeoutMs fires before the first chunk: the stream fails with TimeoutError', async () => {
      ctx.simulator.addFault({ model: timeoutStream, fault: { kind: 'stall', phase: 'first-chunk', ms: stallMs } });
      const { chunks, error } = await drain(ctx.client().stream(conversation, { model: timeoutStream, timeoutMs: 100 }));
      expect(chunks).toEqual([]);
      expectError(error, TimeoutError);
      expect((await ctx.finishedRequest(timeoutStream)).clientAborted).toBe(true);
    });
  });
}
