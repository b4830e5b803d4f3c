import { describe, expect, it } from 'vitest';
import { createFeatherlessBackend } from '../src/index.ts';

// Talks to the real Featherless API: runs only when a key is set, never in CI.
const key = process.env.FEATHERLESS_API_KEY;
const model = process.env.FEATHERLESS_LIVE_MODEL ?? 'Qwen/Qwen2.5-7B-Instruct';

describe.skipIf(!key)(`featherless live (${key ? `model ${model}` : 'skipped: FEATHERLESS_API_KEY not set'})`, () => {
  it('streams a short reply with usage', { timeout: 120_000 }, async () => {
    const backend = createFeatherlessBackend({ appName: '@router live test' });
    const completion = await backend.stream([{ role: 'user', content: 'Reply with the single word: ready' }], { model, maxTokens: 8 }).collect();
    expect(completion.text.trim()).not.toBe('');
    expect(['stop', 'length']).toContain(completion.finishReason);
    expect(completion.usage?.outputTokens).toBeGreaterThan(0);
  });

  it('reads the plan', { timeout: 30_000 }, async () => {
    const plan = await createFeatherlessBackend().getPlan();
    expect(plan).toBeTypeOf('object');
  });
});
