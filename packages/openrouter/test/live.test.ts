/**
 * Against the real OpenRouter, only when OPENROUTER_API_KEY is set (never in
 * CI). Each run costs a fraction of a cent: a few tokens of a small model.
 * OPENROUTER_LIVE_MODEL picks another model.
 */
import { BackendError } from '@router/core';
import { describe, expect, it } from 'vitest';
import { createOpenRouterBackend } from '../src/index.ts';

const apiKey = process.env.OPENROUTER_API_KEY;
const model = process.env.OPENROUTER_LIVE_MODEL ?? 'meta-llama/llama-3.1-8b-instruct';
const messages = [{ role: 'user' as const, content: 'Reply with one short word.' }];

describe.skipIf(!apiKey)(apiKey ? `live OpenRouter (${model})` : 'live OpenRouter (skipped: OPENROUTER_API_KEY is not set)', () => {
  const backend = createOpenRouterBackend({ appName: '@router/openrouter live test' });

  it('generates and reports cost, generation id and provider', async () => {
    const completion = await backend.generate(messages, { model, maxTokens: 8, timeoutMs: 30_000 });
    expect(completion.text.trim()).not.toBe('');
    expect(completion.usage?.cost).toBeTypeOf('number');
    expect(completion.providerMetadata).toMatchObject({ openrouter: { generationId: expect.stringMatching(/^gen-/), provider: expect.any(String) } });
  }, 40_000);

  it('streams the same way', async () => {
    const stream = backend.stream(messages, { model, maxTokens: 8, timeoutMs: 30_000 });
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const completion = await stream.completion;
    expect(completion.text).toBe(chunks.join(''));
    expect(completion.usage?.outputTokens).toBeGreaterThan(0);
  }, 40_000);

  it('a wrong key is a 401 that is not retried and does not echo the key', async () => {
    const wrongKey = 'sk-or-v1-this-key-does-not-exist-000000000000';
    const error = await createOpenRouterBackend({ apiKey: wrongKey })
      .generate(messages, { model, maxTokens: 8, timeoutMs: 30_000 })
      .catch((thrown: unknown) => thrown);
    if (!BackendError.isInstance(error)) throw error;
    expect(error.status).toBe(401);
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain('OPENROUTER_API_KEY');
    expect(error.message).not.toContain(wrongKey);
  }, 40_000);
});
