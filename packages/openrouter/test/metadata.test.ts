import { describe, expect, it } from 'vitest';
import { useSimulator, user } from './support.ts';

const sim = useSimulator();

/** The simulator counts a quarter token per character of the prompt. */
const promptTokens = Math.ceil(user[0]!.content.length / 4);

describe('usage and provider metadata', () => {
  it.each(['generate', 'stream'] as const)('%s reports tokens, cost, the generation id and the served provider', async (operation) => {
    const backend = sim.backend({ name: 'classifier', provider: { order: ['Cerebras'] } });
    const completion =
      operation === 'generate'
        ? await backend.generate(user, { model: 'm/a', maxTokens: 5 })
        : await backend.stream(user, { model: 'm/a', maxTokens: 5 }).collect();

    expect(completion.backend).toBe('classifier');
    expect(completion.finishReason).toBe('length');
    expect(completion.usage).toMatchObject({ inputTokens: promptTokens, outputTokens: 5, totalTokens: promptTokens + 5 });
    expect(completion.usage?.cost).toBeGreaterThan(0);
    const openrouter = (completion.providerMetadata as { openrouter: Record<string, unknown> }).openrouter;
    expect(openrouter.generationId).toMatch(/^gen-/);
    expect(openrouter.provider).toBe('Cerebras');
    expect(openrouter.usage).toMatchObject({ cost: completion.usage?.cost, promptTokens, completionTokens: 5 });
  });

  it('embeddings report tokens and cost too', async () => {
    const result = await sim.backend().embed(['first text', 'second text'], { model: 'openai/text-embedding-3-small' });
    expect(result.embeddings).toHaveLength(2);
    expect(result.usage?.inputTokens).toBeGreaterThan(0);
    expect(result.providerMetadata).toHaveProperty('openrouter');
  });
});
