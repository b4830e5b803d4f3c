import { createRouter } from '@router/core';
import { createFeatherlessBackend } from '@router/featherless';
import { createOpenRouterBackend } from '@router/openrouter';
import { startSimulator, type Simulator } from '@router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApiKey } from './support/adapters.ts';
import { messages } from './support/harness.ts';

/**
 * On the wire: what a call sends for OpenRouter (a provider preference, a
 * header that may carry a credential) never reaches a Featherless fallback,
 * which gets its own model, its own defaults and its own scoped options.
 */

let openrouterSim: Simulator;
let featherlessSim: Simulator;
beforeAll(async () => {
  openrouterSim = await startSimulator();
  featherlessSim = await startSimulator();
});
afterAll(() => Promise.all([openrouterSim.close(), featherlessSim.close()]));

describe('per-backend options across a fallback', () => {
  it.each(['generate', 'stream'] as const)('%s: the fallback’s request holds nothing of the primary’s options', async (operation) => {
    const model = `meta-llama/llama-3.1-8b-instruct-${operation}`;
    openrouterSim.addFault({ model, times: 1, fault: { kind: 'status', status: 503 } });
    const router = createRouter({
      backends: {
        classifier: createOpenRouterBackend({ name: 'openrouter', baseURL: openrouterSim.baseURL('openrouter'), apiKey: testApiKey }),
        narrative: createFeatherlessBackend({
          name: 'featherless',
          baseURL: featherlessSim.baseURL('featherless'),
          apiKey: testApiKey,
          defaultExtraBody: { min_p: 0.05 },
        }),
      },
      default: 'classifier',
      reliability: { classifier: { fallbacks: [{ backend: 'narrative', model: 'Qwen/Qwen2.5-7B-Instruct' }] } },
      timingLog: false,
    });
    const options = {
      model,
      extraBody: { provider: { order: ['Cerebras'], allow_fallbacks: false } },
      headers: { 'x-openrouter-only': 'secret-value' },
      providerOptions: { narrative: { extraBody: { repetition_penalty: 1.1 }, headers: { 'x-featherless-only': 'yes' } } },
    };
    const completion = operation === 'generate' ? await router.generate(messages, options) : await router.stream(messages, options).collect();
    expect(completion).toMatchObject({ backend: 'narrative', adapter: 'featherless' });

    const [primaryRequest] = openrouterSim.requests.filter((request) => request.model === model);
    expect(primaryRequest!.headers['x-openrouter-only']).toBe('secret-value');
    expect(primaryRequest!.body).toMatchObject({ provider: { order: ['Cerebras'] } });
    expect(primaryRequest!.body).not.toHaveProperty('repetition_penalty');

    const [fallbackRequest] = featherlessSim.requests.filter((request) => request.path === '/chat/completions');
    expect(fallbackRequest!.model).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(fallbackRequest!.headers).not.toHaveProperty('x-openrouter-only');
    expect(JSON.stringify(fallbackRequest!.headers)).not.toContain('secret-value');
    expect(fallbackRequest!.headers['x-featherless-only']).toBe('yes');
    expect(fallbackRequest!.body).not.toHaveProperty('provider');
    expect(fallbackRequest!.body).toMatchObject({ min_p: 0.05, repetition_penalty: 1.1 });
    featherlessSim.reset();
  });
});
