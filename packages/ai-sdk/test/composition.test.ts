import type { LanguageModelV3Middleware } from '@ai-sdk/provider';
import { simulatedReply } from '@router/testing';
import { describe, expect, it } from 'vitest';
import { aiVersions, models, useRouter } from './support.ts';

const setup = useRouter();
const prompt = 'Tell me about the lighthouse keeper.';

describe.each(aiVersions)('%s', (_name, ai) => {
  it('wrapLanguageModel: a middleware changes the settings on the way in and sees the result on the way out', async () => {
    const { provider, chatRequests } = setup();
    const seen: string[] = [];
    const middleware: LanguageModelV3Middleware = {
      specificationVersion: 'v3',
      transformParams: async ({ params }) => ({ ...params, temperature: 0.1, maxOutputTokens: 5 }),
      wrapGenerate: async ({ doGenerate }) => {
        const result = await doGenerate();
        seen.push(String(result.providerMetadata?.router?.backend));
        return result;
      },
    };
    // A v3 middleware, which both majors run (ai 7's types name only its own v4 one).
    const model = ai.wrapLanguageModel({ model: provider(models.local), middleware: middleware as never });
    const result = await ai.generateText({ model, prompt, maxRetries: 0 });
    expect(chatRequests('mlx')[0]!.body).toMatchObject({ temperature: 0.1, max_tokens: 5 });
    expect(result.finishReason).toBe('length');
    expect(result.text).toBe(simulatedReply({ model: models.local, messages: [{ role: 'user', content: prompt }], maxTokens: 5 }));
    expect(seen).toEqual(['local']);
  });

  it('createProviderRegistry: router: ids reach the router, which routes on the rest', async () => {
    const { provider, chatRequests, sim } = setup();
    const registry = ai.createProviderRegistry({ router: provider });
    const narrative = await ai.generateText({ model: registry.languageModel(`router:${models.narrative}`), prompt, maxRetries: 0 });
    const local = await ai.generateText({ model: registry.languageModel(`router:${models.local}`), prompt, maxRetries: 0 });
    const { embedding } = await ai.embed({ model: registry.embeddingModel(`router:${models.embedding}`), value: 'the lamp', maxRetries: 0 });
    expect([narrative.providerMetadata?.router?.backend, local.providerMetadata?.router?.backend]).toEqual(['narrative', 'local']);
    expect(chatRequests().map((request) => request.dialect)).toEqual(['featherless', 'mlx']);
    expect(embedding).toHaveLength(384);
    expect(sim.requests.filter((request) => request.path === '/embeddings')).toHaveLength(1);
  });
});
