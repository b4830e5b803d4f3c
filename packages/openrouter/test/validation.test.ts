import { ConfigurationError, InvalidRequestError, type LLMClient } from '@router/core';
import { describe, expect, it } from 'vitest';
import { createOpenRouterBackend, type OpenRouterBackendSettings } from '../src/index.ts';
import { caught, useSimulator, user } from './support.ts';

const sim = useSimulator();

describe('settings', () => {
  it('constructing never needs the key or the network', () => {
    const saved = process.env.OPENROUTER_API_KEY;
    delete process.env.OPENROUTER_API_KEY;
    try {
      expect(createOpenRouterBackend().name).toBe('openrouter');
      expect(createOpenRouterBackend({ name: 'classifier', provider: { order: ['Cerebras'], allow_fallbacks: false } }).name).toBe('classifier');
    } finally {
      if (saved !== undefined) process.env.OPENROUTER_API_KEY = saved;
    }
  });

  it('declares embeddings, JSON mode, usage, tools, images, reasoning and structured outputs', () => {
    expect(createOpenRouterBackend().capabilities).toEqual({
      embeddings: true,
      jsonMode: true,
      usage: true,
      tools: true,
      images: true,
      reasoning: true,
      structuredOutputs: true,
    });
  });

  it('reports every problem at once, naming each setting', () => {
    const settings = {
      name: '',
      baseURL: 'ftp://openrouter.ai',
      appName: 'Tavern\nTales',
      headers: { 'X-Emoji': '🙂', 'X Team': 'story' },
      provider: { order: 'Cerebras', allow_fallbacks: 'no', sort: 3 },
      defaultExtraBody: { model: 'x', models: [] },
    } as unknown as OpenRouterBackendSettings;
    let error: unknown;
    try {
      createOpenRouterBackend(settings);
    } catch (thrown) {
      error = thrown;
    }
    if (!ConfigurationError.isInstance(error)) throw new Error('expected a ConfigurationError');
    const fields = [
      'name',
      'baseURL',
      'appName',
      'headers["X-Emoji"]',
      'headers["X Team"]',
      'defaultExtraBody.model',
      'defaultExtraBody.models',
      'provider.order',
      'provider.allow_fallbacks',
      'provider.sort',
    ];
    expect(error.problems).toHaveLength(fields.length);
    fields.forEach((field, i) => expect(error.problems[i]).toContain(`createOpenRouterBackend: ${field} `));
  });

  it('accepts every documented preference', () => {
    expect(() =>
      createOpenRouterBackend({
        provider: {
          order: ['Cerebras'],
          allow_fallbacks: false,
          only: ['Cerebras', 'Groq'],
          ignore: ['Azure'],
          sort: { by: 'latency', partition: 'model' },
          require_parameters: true,
          data_collection: 'deny',
          zdr: true,
          enforce_distillable_text: false,
          quantizations: ['fp8', 'bf16'],
          max_price: { prompt: 1, completion: '2' },
          preferred_min_throughput: { p90: 50 },
          preferred_max_latency: 2,
        },
      }),
    ).not.toThrow();
  });
});

describe('a call with a bad extra body fails before any request, naming the field', () => {
  // Typed calls do not compile with these; through a router (a plain LLMClient) or from JavaScript they can happen.
  const cases: { extraBody: Record<string, unknown>; field: string }[] = [
    { extraBody: { model: 'other/model' }, field: 'options.extraBody.model' },
    { extraBody: { stream: false }, field: 'options.extraBody.stream' },
    { extraBody: { messages: [] }, field: 'options.extraBody.messages' },
    { extraBody: { models: 'a/b' }, field: 'options.extraBody.models' },
    { extraBody: { models: ['a/b', ''] }, field: 'options.extraBody.models' },
    { extraBody: { provider: ['Cerebras'] }, field: 'options.extraBody.provider' },
    { extraBody: { provider: { order: 'Cerebras' } }, field: 'options.extraBody.provider.order' },
    { extraBody: { provider: { allow_fallbacks: 'false' } }, field: 'options.extraBody.provider.allow_fallbacks' },
  ];

  it.each(cases)('$field ($extraBody)', async ({ extraBody, field }) => {
    const backend: LLMClient = sim.backend();
    const errors = [
      await caught(() => backend.generate(user, { model: 'm/a', extraBody })),
      await caught(() => backend.stream(user, { model: 'm/a', extraBody }).collect()),
    ];
    for (const error of errors) {
      if (!InvalidRequestError.isInstance(error)) throw error;
      expect(error.field).toBe(field);
      expect(error.backend).toBe('openrouter');
    }
    expect(sim.requests()).toHaveLength(0);
  });

  it('embeddings too', async () => {
    const backend: LLMClient = sim.backend();
    const error = await caught(() => backend.embed('x', { model: 'e/b', extraBody: { input: ['y'] } }));
    expect(InvalidRequestError.isInstance(error) && error.field).toBe('options.extraBody.input');
    expect(sim.requests()).toHaveLength(0);
  });
});
