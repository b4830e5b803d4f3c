import { ConfigurationError, TimeoutError } from '@router/core';
import type { Message } from '@router/core';
import { closedPort, simulatedReply, startSimulator } from '@router/testing';
import type { Simulator } from '@router/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLmStudioBackend } from '../src/index.ts';

const messages: Message[] = [{ role: 'user', content: 'Say hi.' }];
const coldStartMs = 300;

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ mlx: { coldStartMs } });
});
afterAll(() => simulator.close());
beforeEach(() => simulator.reset());

const lmstudio = (settings: Parameters<typeof createLmStudioBackend>[0] = {}) =>
  createLmStudioBackend({ baseURL: simulator.baseURL('lmstudio'), ...settings });

describe('cold starts', () => {
  it('a stream waits through a model load: the default first-chunk budget is generous', async () => {
    const model = 'qwen2.5-7b-instruct-cold';
    const completion = await lmstudio().stream(messages, { model }).collect();
    expect(completion.text).toBe(simulatedReply({ model, messages }));
    expect(completion.timings.firstChunkMs).toBeGreaterThanOrEqual(coldStartMs - 20);
  });

  it('the firstChunkTimeoutMs setting is the budget of streams that set none', async () => {
    const model = 'qwen2.5-7b-instruct-short-budget';
    const error = await lmstudio({ firstChunkTimeoutMs: 50 }).stream(messages, { model }).collect().catch((caught: unknown) => caught);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ phase: 'first-chunk' });
  });

  it('a call deadline that runs out during a load says it was probably a cold start, and how to allow for it', async () => {
    const model = 'qwen2.5-7b-instruct-deadline';
    const error = await lmstudio().generate(messages, { model, timeoutMs: 50 }).catch((caught: unknown) => caught);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('loads a model on its first use');
  });

  it('refuses a firstChunkTimeoutMs that is not a positive number', () => {
    expect(() => lmstudio({ firstChunkTimeoutMs: 0 })).toThrow(ConfigurationError);
  });
});

describe('keys and health', () => {
  it('sends no Authorization header without a key (the server takes any), and a placeholder as given', async () => {
    await lmstudio().generate(messages, { model: 'qwen2.5-7b-instruct' });
    expect(simulator.requests.at(-1)?.headers.authorization).toBeUndefined();
    await lmstudio({ apiKey: 'lm-studio' }).generate(messages, { model: 'qwen2.5-7b-instruct' });
    expect(simulator.requests.at(-1)?.headers.authorization).toMatch(/^Bearer sha256:/);
  });

  it('health lists the models, and reports an unreachable server with advice instead of throwing', async () => {
    expect(await lmstudio().health()).toMatchObject({ ok: true, models: expect.arrayContaining(['qwen2.5-7b-instruct']) });
    const port = await closedPort();
    const health = await createLmStudioBackend({ baseURL: `http://127.0.0.1:${port}/v1` }).health();
    expect(health.ok).toBe(false);
    if (!health.ok) expect(health.error.message).toContain('lms server start');
  });
});
