import { BackendError, StreamInterruptedError } from '@router/core';
import type { Message } from '@router/core';
import { simulatedReasoning, simulatedReply, startSimulator } from '@router/testing';
import type { Dialect, Simulator } from '@router/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVllmBackend } from '../src/index.ts';

const messages: Message[] = [{ role: 'user', content: 'Why is the sky blue?' }];
const thinker = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B';
const profile = { reasoningTokens: 12 };

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ models: { [thinker]: profile } });
});
afterAll(() => simulator.close());
beforeEach(() => {
  simulator.clearFaults();
  simulator.reset();
});

const vllm = (dialect: Dialect = 'vllm') => createVllmBackend({ baseURL: simulator.baseURL(dialect) });

describe('reasoning_content', () => {
  it('stays out of the text and comes back as the reasoning, streamed or not, with its token count', async () => {
    const expected = simulatedReply({ model: thinker, messages });
    const thought = simulatedReasoning({ model: thinker, messages, profile });
    const streamed = await vllm().stream(messages, { model: thinker }).collect();
    const generated = await vllm().generate(messages, { model: thinker });
    expect(streamed).toMatchObject({ text: expected, reasoning: thought });
    expect(generated).toMatchObject({ text: expected, reasoning: thought });
    expect(streamed.usage).toMatchObject({ reasoningTokens: 12, outputTokens: generated.usage?.outputTokens });
  });
});

describe('tool_choice "auto" without the server’s tool flags', () => {
  it('is a non-retryable 400 whose message names both flags', async () => {
    const model = 'Qwen/Qwen2.5-7B-Instruct';
    const error = await vllm().generate(messages, { model, extraBody: { tool_choice: 'auto' } }).catch((caught: unknown) => caught);
    expect(BackendError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, isRetryable: false });
    expect((error as Error).message).toContain('--enable-auto-tool-choice --tool-call-parser');
  });
});

describe('both error shapes', () => {
  for (const dialect of ['vllm', 'vllm-legacy'] as const) {
    it(`${dialect}: the server's message reaches the error, before and inside a stream`, async () => {
      const model = `Qwen/Qwen2.5-7B-Instruct-${dialect}`;
      simulator.addFault({ model, times: 1, fault: { kind: 'status', status: 503 } });
      const before = await vllm(dialect).generate(messages, { model }).catch((caught: unknown) => caught);
      expect(before).toMatchObject({ status: 503, isRetryable: true });
      expect((before as Error).message).toContain('Service Unavailable');

      simulator.addFault({ model, fault: { kind: 'error-event', afterChunks: 2, code: 500, message: 'CUDA out of memory' } });
      const stream = vllm(dialect).stream(messages, { model });
      const error = await stream.collect().catch((caught: unknown) => caught);
      expect(StreamInterruptedError.isInstance(error)).toBe(true);
      const interrupted = error as StreamInterruptedError;
      expect(interrupted.partialText.length).toBeGreaterThan(0);
      expect((interrupted.cause as Error).message).toContain('CUDA out of memory');
    });
  }
});

describe('usage in streams', () => {
  it('asks for it with stream_options.include_usage, which vLLM needs', async () => {
    const model = 'Qwen/Qwen2.5-7B-Instruct-usage';
    const completion = await vllm().stream(messages, { model }).collect();
    expect(completion.usage?.outputTokens).toBeGreaterThan(0);
    expect(simulator.requests.at(-1)?.body).toMatchObject({ stream_options: { include_usage: true } });
  });
});
