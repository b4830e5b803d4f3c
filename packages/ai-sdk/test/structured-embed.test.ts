import { simulatedEmbedding } from '@router/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRouterProvider } from '../src/index.ts';
import { aiVersions, models, useRouter } from './support.ts';

const setup = useRouter();

const reaction = z.object({ mood: z.enum(['calm', 'tense', 'joyful']), intensity: z.number().int().min(1).max(5) });

describe.each(aiVersions)('%s', (_name, ai) => {
  it('generateObject: the schema goes out as json_schema and the object comes back validated', async () => {
    const { provider, chatRequests } = setup();
    const { object, providerMetadata } = await ai.generateObject({ model: provider(models.classifier), schema: reaction, prompt: 'How does Ada feel?', maxRetries: 0 });
    expect(reaction.parse(object)).toEqual(object);
    const body = chatRequests('openrouter')[0]!.body as { response_format: { type: string; json_schema: { schema: { properties: object } } } };
    expect(body.response_format.type).toBe('json_schema');
    expect(Object.keys(body.response_format.json_schema.schema.properties)).toEqual(['mood', 'intensity']);
    expect(providerMetadata?.router).toMatchObject({ backend: 'openrouter' });
  });

  it('streamObject: partial objects, then the whole one', async () => {
    const { provider } = setup();
    const result = ai.streamObject({ model: provider(models.classifier), schema: reaction, prompt: 'How does Brom feel?', maxRetries: 0 });
    const partials: unknown[] = [];
    for await (const partial of result.partialObjectStream) partials.push(partial);
    const object = await result.object;
    expect(reaction.parse(object)).toEqual(object);
    expect(partials.at(-1)).toEqual(object);
  });

  it('generateText with Output.object: structured output through the text API', async () => {
    const { provider } = setup();
    const result = await ai.generateText({ model: provider(models.classifier), output: ai.Output.object({ schema: reaction }), prompt: 'How does Cyra feel?', maxRetries: 0 });
    expect(reaction.parse(result.output)).toEqual(result.output);
  });

  it('embed and embedMany: the vectors the service computed, in input order, split by maxEmbeddingsPerCall', async () => {
    const { sim, router } = setup();
    const model = createRouterProvider(router, { maxEmbeddingsPerCall: 2 }).embeddingModel(models.embedding);
    const one = await ai.embed({ model, value: 'the lamp', maxRetries: 0 });
    expect(one.embedding).toEqual(simulatedEmbedding('the lamp'));
    expect(one.usage.tokens).toBeGreaterThan(0);
    const values = ['the lamp', 'the storm', 'the keeper'];
    const many = await ai.embedMany({ model, values, maxRetries: 0 });
    expect(many.embeddings).toEqual(values.map((value) => simulatedEmbedding(value)));
    expect(sim.requests.filter((request) => request.path === '/embeddings').map((request) => request.dialect)).toEqual(['mlx', 'mlx', 'mlx']);
  });
});
