/**
 * What reaches OpenRouter, asserted on the request body the simulator
 * received: pinning has been reported ignored by this provider package
 * before, so the options object proves nothing; the wire does.
 */
import { BackendError } from '@router/core';
import { describe, expect, it } from 'vitest';
import { createOpenRouterBackend, type OpenRouterExtraBody } from '../src/index.ts';
import { bodyOf, caught, loggedAuthorization, testApiKey, useSimulator, user } from './support.ts';

const sim = useSimulator();
const pinned = { order: ['Cerebras'], allow_fallbacks: false };

describe('provider pinning per backend', () => {
  it("sends the seed's classifier pin on generate, stream and embed, and nothing for the unpinned backend beside it", async () => {
    const classifier = sim.backend({ name: 'classifier', provider: { order: ['Cerebras'], allow_fallbacks: false } });
    const narrative = sim.backend({ name: 'narrative' });

    await classifier.generate(user, { model: 'meta-llama/llama-3.1-8b-instruct' });
    await classifier.stream(user, { model: 'meta-llama/llama-3.1-8b-instruct' }).collect();
    await classifier.embed('a sentence', { model: 'openai/text-embedding-3-small' });
    await narrative.generate(user, { model: 'meta-llama/llama-3.3-70b-instruct' });

    const [generate, stream, embed, unpinned] = sim.requests();
    expect(bodyOf(generate).provider).toEqual(pinned);
    expect(bodyOf(stream).provider).toEqual(pinned);
    expect(bodyOf(stream).stream).toBe(true);
    expect(embed?.path).toBe('/embeddings');
    expect(bodyOf(embed).provider).toEqual(pinned);
    expect(bodyOf(unpinned)).not.toHaveProperty('provider');
  });

  it('reports the provider that served, so a caller can check the pin held', async () => {
    const classifier = sim.backend({ provider: pinned });
    const completion = await classifier.generate(user, { model: 'meta-llama/llama-3.1-8b-instruct' });
    const streamed = await classifier.stream(user, { model: 'meta-llama/llama-3.1-8b-instruct' }).collect();
    // The simulator serves from the first provider of `order`, as a pin that held would.
    expect(completion.providerMetadata).toMatchObject({ openrouter: { provider: 'Cerebras' } });
    expect(streamed.providerMetadata).toMatchObject({ openrouter: { provider: 'Cerebras' } });
  });
});

describe('provider preferences per call', () => {
  it("merges a call's preferences over the backend's field by field", async () => {
    const classifier = sim.backend({ provider: pinned });
    await classifier.generate(user, { model: 'm/a', extraBody: { provider: { order: ['Groq'] } } });
    await classifier.generate(user, {
      model: 'm/a',
      extraBody: { provider: { sort: { by: 'throughput', partition: 'none' }, require_parameters: true, max_price: { prompt: 1 } } },
    });
    await classifier.generate(user, { model: 'm/a', extraBody: { provider: { allow_fallbacks: true } } });

    const [override, added, relaxed] = sim.requests().map((request) => bodyOf(request).provider);
    expect(override).toEqual({ order: ['Groq'], allow_fallbacks: false });
    expect(added).toEqual({ ...pinned, sort: { by: 'throughput', partition: 'none' }, require_parameters: true, max_price: { prompt: 1 } });
    expect(relaxed).toEqual({ order: ['Cerebras'], allow_fallbacks: true });
  });

  it("drops one of the backend's preferences for a call that sets it to undefined", async () => {
    await sim.backend({ provider: { ...pinned, only: ['Cerebras', 'Groq'] } }).generate(user, {
      model: 'm/a',
      extraBody: { provider: { order: undefined } },
    });
    expect(bodyOf(sim.requests()[0]).provider).toEqual({ allow_fallbacks: false, only: ['Cerebras', 'Groq'] });
  });

  it('pins a single call on an unpinned backend, and does not leak into the next call', async () => {
    const narrative = sim.backend();
    await narrative.stream(user, { model: 'm/a', extraBody: { provider: { only: ['Together'], quantizations: ['fp8'] } } }).collect();
    await narrative.stream(user, { model: 'm/a' }).collect();
    const [first, second] = sim.requests();
    expect(bodyOf(first).provider).toEqual({ only: ['Together'], quantizations: ['fp8'] });
    expect(bodyOf(second)).not.toHaveProperty('provider');
  });

  it('merges defaultExtraBody.provider between the backend setting and the call', async () => {
    await sim
      .backend({ provider: pinned, defaultExtraBody: { provider: { data_collection: 'deny', zdr: true } } })
      .generate(user, { model: 'm/a', extraBody: { provider: { zdr: false } } });
    expect(bodyOf(sim.requests()[0]).provider).toEqual({ ...pinned, data_collection: 'deny', zdr: false });
  });
});

describe('models fallback list', () => {
  it('sends `models` per call (generate and stream) and reports the model that served', async () => {
    const backend = sim.backend();
    const models = ['anthropic/claude-3.5-haiku', 'mistralai/mistral-small-3.1-24b-instruct'];
    const completion = await backend.generate(user, { model: 'openai/gpt-4o-mini', extraBody: { models } });
    const streamed = await backend.stream(user, { model: 'openai/gpt-4o-mini', extraBody: { models } }).collect();

    for (const request of sim.requests()) {
      expect(bodyOf(request).models).toEqual(models);
      expect(bodyOf(request).model).toBe('openai/gpt-4o-mini');
    }
    // The simulator serves the first of `models`, as OpenRouter reports a fallback in `model`.
    expect(completion.model).toBe(models[0]);
    expect(streamed.model).toBe(models[0]);
  });
});

describe('extra body', () => {
  it("merges the call's extra body over defaultExtraBody key by key", async () => {
    const backend = sim.backend({ defaultExtraBody: { transforms: ['middle-out'], top_k: 40, min_p: 0.05 } });
    await backend.generate(user, { model: 'm/a', extraBody: { top_k: 5, reasoning: { effort: 'low' } } });
    await backend.stream(user, { model: 'm/a' }).collect();

    const [withCall, defaultsOnly] = sim.requests().map(bodyOf);
    expect(withCall).toMatchObject({ transforms: ['middle-out'], top_k: 5, min_p: 0.05, reasoning: { effort: 'low' } });
    expect(defaultsOnly).toMatchObject({ transforms: ['middle-out'], top_k: 40, min_p: 0.05 });
    expect(defaultsOnly).not.toHaveProperty('reasoning');
  });

  it('passes fields it does not know through as given', async () => {
    const extraBody = { plugins: [{ id: 'web', max_results: 2 }], some_future_field: { nested: [1, 2] } } satisfies OpenRouterExtraBody;
    await sim.backend().generate(user, { model: 'm/a', extraBody });
    expect(bodyOf(sim.requests()[0])).toMatchObject(extraBody);
  });

  it('sends dimensions and the extra body with embeddings', async () => {
    const result = await sim.backend({ defaultExtraBody: { user: 'u-1' } }).embed(['one', 'two'], { model: 'openai/text-embedding-3-small', dimensions: 64 });
    expect(bodyOf(sim.requests()[0])).toMatchObject({ model: 'openai/text-embedding-3-small', input: ['one', 'two'], dimensions: 64, user: 'u-1' });
    expect(result.embeddings.map((vector) => vector.length)).toEqual([64, 64]);
  });
});

describe('the rest of the call on the wire', () => {
  it('maps sampling options, stop, user and JSON mode to their body fields', async () => {
    await sim.backend().generate(user, {
      model: 'm/a',
      maxTokens: 50,
      temperature: 0.3,
      topP: 0.9,
      seed: 7,
      stop: 'END',
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      user: 'player-42',
      responseFormat: { type: 'json_object' },
    });
    await sim.backend().stream(user, {
      model: 'm/a',
      stop: ['A', 'B'],
      responseFormat: { type: 'json_schema', name: 'mood', schema: { type: 'object', properties: { happy: { type: 'boolean' } } }, strict: true },
    }).collect();

    const [generate, stream] = sim.requests().map(bodyOf);
    expect(generate).toMatchObject({
      max_tokens: 50,
      temperature: 0.3,
      top_p: 0.9,
      seed: 7,
      stop: ['END'],
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
      user: 'player-42',
      response_format: { type: 'json_object' },
    });
    expect(stream).toMatchObject({
      stop: ['A', 'B'],
      response_format: { type: 'json_schema', json_schema: { name: 'mood', strict: true, schema: { type: 'object' } } },
      stream_options: { include_usage: true },
    });
  });

  it('keeps system messages in place, in order', async () => {
    await sim.backend().generate(
      [
        { role: 'system', content: 'You narrate.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi there.' },
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Go on' },
      ],
      { model: 'm/a' },
    );
    const messages = bodyOf(sim.requests()[0]).messages as { role: string; content: unknown }[];
    const text = (content: unknown): string =>
      typeof content === 'string' ? content : (content as { text: string }[]).map((part) => part.text).join('');
    expect(messages.map((message) => [message.role, text(message.content)])).toEqual([
      ['system', 'You narrate.'],
      ['user', 'Hello'],
      ['assistant', 'Hi there.'],
      ['system', 'Be brief.'],
      ['user', 'Go on'],
    ]);
  });
});

describe('model suffixes', () => {
  it.each([':nitro', ':floor', ':free'])('sends %s untouched', async (suffix) => {
    const model = `meta-llama/llama-3.1-8b-instruct${suffix}`;
    await sim.backend().generate(user, { model });
    await sim.backend().stream(user, { model }).collect();
    expect(sim.requests().map((request) => bodyOf(request).model)).toEqual([model, model]);
  });
});

describe('headers', () => {
  it('sends the attribution headers, the backend headers and the call headers', async () => {
    const backend = sim.backend({ appName: 'Tavern Tales', appUrl: 'https://tavern.example', headers: { 'X-Team': 'story' } });
    await backend.generate(user, { model: 'm/a', headers: { 'X-Request-Tag': 'turn-7' } });
    await backend.embed('text', { model: 'e/b' });

    for (const request of sim.requests()) {
      expect(request.headers).toMatchObject({
        'x-openrouter-title': 'Tavern Tales',
        'x-title': 'Tavern Tales',
        'http-referer': 'https://tavern.example',
        'x-team': 'story',
        authorization: loggedAuthorization(testApiKey),
      });
    }
    expect(sim.requests()[0]?.headers['x-request-tag']).toBe('turn-7');
  });

  it('sends no attribution headers when none are configured', async () => {
    await sim.backend().generate(user, { model: 'm/a' });
    const { headers } = sim.requests()[0] ?? { headers: {} };
    expect(headers).not.toHaveProperty('x-title');
    expect(headers).not.toHaveProperty('x-openrouter-title');
    expect(headers).not.toHaveProperty('http-referer');
  });

  it('reads OPENROUTER_API_KEY at the first call, not when the backend is created', async () => {
    const saved = process.env.OPENROUTER_API_KEY;
    delete process.env.OPENROUTER_API_KEY;
    try {
      const backend = createOpenRouterBackend({ baseURL: sim.baseURL() });
      process.env.OPENROUTER_API_KEY = 'sk-or-v1-from-the-environment';
      await backend.generate(user, { model: 'm/a' });
      expect(sim.requests()[0]?.headers.authorization).toBe(loggedAuthorization('sk-or-v1-from-the-environment'));
    } finally {
      if (saved === undefined) delete process.env.OPENROUTER_API_KEY;
      else process.env.OPENROUTER_API_KEY = saved;
    }
  });
});

describe('no retries inside the SDK (core owns them)', () => {
  it.each(['generate', 'stream', 'embed'] as const)('%s makes exactly one request on a 503', async (operation) => {
    sim.simulator().addFault({ fault: { kind: 'status', status: 503 } });
    const backend = sim.backend();
    const error = await caught(async () => {
      if (operation === 'generate') await backend.generate(user, { model: 'm/a' });
      else if (operation === 'stream') await backend.stream(user, { model: 'm/a' }).collect();
      else await backend.embed('x', { model: 'e/b' });
    });
    expect(BackendError.isInstance(error) && error.status).toBe(503);
    expect(sim.requests()).toHaveLength(1);
  });

  it('makes exactly one request on a 429 with Retry-After, which the SDK would otherwise honour', async () => {
    sim.simulator().addFault({ fault: { kind: 'status', status: 429, retryAfter: '0' } });
    await caught(() => sim.backend().generate(user, { model: 'm/a' }));
    await caught(() => sim.backend().stream(user, { model: 'm/a' }).collect());
    expect(sim.requests()).toHaveLength(2);
  });
});
