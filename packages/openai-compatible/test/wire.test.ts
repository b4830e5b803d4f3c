import { BackendError, ConfigurationError, InvalidRequestError } from '@router/core';
import type { Message } from '@router/core';
import { startSimulator } from '@router/testing';
import type { LoggedRequest, Simulator } from '@router/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOpenAICompatibleBackend } from '../src/index.ts';

const messages: Message[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Name a colour.', name: 'ada' },
];
const model = 'sim/wire';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator();
});
afterAll(() => simulator.close());
beforeEach(() => simulator.reset());
afterEach(() => vi.unstubAllEnvs());

function backend(extra: Partial<Parameters<typeof createOpenAICompatibleBackend>[0]> = {}) {
  return createOpenAICompatibleBackend({ name: 'compat', baseURL: simulator.baseURL('openai'), apiKey: 'sk-wire-test', ...extra });
}

function lastRequest(): LoggedRequest {
  const request = simulator.requests.at(-1);
  if (!request) throw new Error('no request was logged');
  return request;
}

function lastBody(): Record<string, unknown> {
  return lastRequest().body as Record<string, unknown>;
}

describe('request body', () => {
  it('maps every typed call option to its OpenAI field', async () => {
    await backend().generate(messages, {
      model,
      maxTokens: 12,
      temperature: 0.3,
      topP: 0.9,
      stop: ['\n\n', 'END'],
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      user: 'user-17',
    });
    expect(lastBody()).toEqual({
      model,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Name a colour.', name: 'ada' },
      ],
      max_tokens: 12,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['\n\n', 'END'],
      seed: 42,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      user: 'user-17',
      stream: false,
    });
  });

  it('asks for usage on streams only', async () => {
    const client = backend();
    await client.stream(messages, { model }).collect();
    expect(lastBody()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    await client.generate(messages, { model });
    expect(lastBody()).not.toHaveProperty('stream_options');
  });

  it('sends json_schema response formats in the OpenAI shape, with a default name', async () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    await backend().generate(messages, { model, responseFormat: { type: 'json_schema', schema, strict: true } });
    expect(lastBody().response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema, strict: true } });
  });

  it('merges defaultExtraBody under the call’s extraBody, which wins on a conflict', async () => {
    const client = backend({ defaultExtraBody: { top_k: 40, min_p: 0.05 } });
    await client.generate(messages, { model, extraBody: { top_k: 5, repetition_penalty: 1.1 } });
    expect(lastBody()).toMatchObject({ top_k: 5, min_p: 0.05, repetition_penalty: 1.1 });
    await client.generate(messages, { model });
    expect(lastBody()).toMatchObject({ top_k: 40, min_p: 0.05 });
    expect(lastBody()).not.toHaveProperty('repetition_penalty');
  });

  it('extraBody may replace typed fields such as stream_options', async () => {
    await backend().stream(messages, { model, extraBody: { stream_options: { include_usage: true, continuous_usage_stats: true } } }).collect();
    expect(lastBody().stream_options).toEqual({ include_usage: true, continuous_usage_stats: true });
  });

  it.each(['model', 'messages', 'stream'])('rejects extraBody.%s with InvalidRequestError before any request', async (field) => {
    const client = backend();
    const extraBody = { [field]: 'x' };
    const error = await client.generate(messages, { model, extraBody }).catch((e: unknown) => e);
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect((error as InvalidRequestError).field).toBe(`options.extraBody.${field}`);
    const streamError = await client.stream(messages, { model, extraBody }).collect().catch((e: unknown) => e);
    expect(InvalidRequestError.isInstance(streamError)).toBe(true);
    expect(simulator.requests).toEqual([]);
  });

  it('rejects reserved defaultExtraBody fields and other bad settings at construction, all at once', () => {
    const error = (() => {
      try {
        createOpenAICompatibleBackend({ name: 'bad', baseURL: 'localhost:8000', defaultExtraBody: { messages: [] } });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigurationError.isInstance(error)).toBe(true);
    const { problems } = error as ConfigurationError;
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toContain('baseURL "localhost:8000" must use http or https');
    expect(problems.join('\n')).toContain('defaultExtraBody.messages');
  });

  it('rejects static headers fetch could not send at construction, naming each header', () => {
    const error = (() => {
      try {
        backend({ headers: { 'X-Team': 'story\r\nX-Injected: 1', 'X Bad': 'v', 'X-Count': 3 as unknown as string } });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).problems).toEqual([
      expect.stringMatching(/^compat: headers\["X-Team"\] has a line break/),
      expect.stringMatching(/^compat: headers\["X Bad"\] is not a valid header name/),
      'compat: headers["X-Count"] must be a string (got number).',
    ]);
    expect(simulator.requests).toEqual([]);
  });

  it('puts extra fields inside extraBodyKey when the server reads them there', async () => {
    await backend({ extraBodyKey: 'extra_body', defaultExtraBody: { top_k: 3 } }).generate(messages, { model, extraBody: { min_p: 0.1 } });
    const body = lastBody();
    expect(body.extra_body).toEqual({ top_k: 3, min_p: 0.1 });
    expect(body).not.toHaveProperty('top_k');
  });

  it('lets transformRequest change the final body', async () => {
    const transformRequest = vi.fn((body: Record<string, unknown>) => {
      const { max_tokens: maxTokens, ...rest } = body;
      return { ...rest, max_completion_tokens: maxTokens };
    });
    await backend({ transformRequest }).stream(messages, { model, maxTokens: 5 }).collect();
    expect(lastBody()).toMatchObject({ max_completion_tokens: 5 });
    expect(lastBody()).not.toHaveProperty('max_tokens');
    expect(transformRequest).toHaveBeenCalledWith(expect.any(Object), { operation: 'chat', model, stream: true });
  });

  it('asks for float embeddings and passes dimensions and extraBody', async () => {
    const result = await backend().embed(['one', 'two'], { model: 'sim/embed', dimensions: 16, extraBody: { user: 'u1' } });
    expect(lastBody()).toEqual({ model: 'sim/embed', input: ['one', 'two'], encoding_format: 'float', dimensions: 16, user: 'u1' });
    expect(result.embeddings).toHaveLength(2);
    for (const vector of result.embeddings) {
      expect(vector).toHaveLength(16);
      expect(vector.every((value) => typeof value === 'number')).toBe(true);
    }
  });
});

describe('headers and credentials', () => {
  it('sends the key as a bearer token, settings headers on every request, and call headers on one', async () => {
    const client = backend({ headers: { 'x-app': 'wire-test' } });
    await client.generate(messages, { model, headers: { 'x-call': 'one' } });
    const first = lastRequest();
    await client.embed('text', { model: 'sim/embed' });
    const second = lastRequest();
    expect(first.headers['authorization']).toMatch(/^Bearer sha256:[0-9a-f]{8}$/);
    expect(first.headers).toMatchObject({ 'x-app': 'wire-test', 'x-call': 'one' });
    expect(second.headers['x-app']).toBe('wire-test');
    expect(second.headers).not.toHaveProperty('x-call');
  });

  it('without a key sends no Authorization header, and never OpenAI’s own environment credentials', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-openai-must-not-leak');
    vi.stubEnv('OPENAI_ORG_ID', 'org-must-not-leak');
    vi.stubEnv('OPENAI_PROJECT_ID', 'proj-must-not-leak');
    const client = createOpenAICompatibleBackend({ name: 'keyless', baseURL: simulator.baseURL('mlx') });
    await client.generate(messages, { model });
    const { headers } = lastRequest();
    expect(headers).not.toHaveProperty('authorization');
    expect(headers).not.toHaveProperty('openai-organization');
    expect(headers).not.toHaveProperty('openai-project');
    expect(JSON.stringify(headers)).not.toContain('must-not-leak');
  });

  it('reads a lazy key and base URL at the first call, not at construction', async () => {
    const apiKey = vi.fn(() => 'sk-lazy');
    const baseURL = vi.fn(() => simulator.baseURL('openai'));
    const client = createOpenAICompatibleBackend({ name: 'lazy', baseURL, apiKey });
    expect(apiKey).not.toHaveBeenCalled();
    expect(baseURL).not.toHaveBeenCalled();
    await client.generate(messages, { model });
    await client.generate(messages, { model });
    expect(apiKey).toHaveBeenCalledTimes(1);
    expect(baseURL).toHaveBeenCalledTimes(1);
    expect(simulator.requests).toHaveLength(2);
  });
});

describe('results', () => {
  it('reports usage and finish reasons from generate and stream', async () => {
    const client = backend();
    const generated = await client.generate(messages, { model, maxTokens: 3 });
    expect(generated.finishReason).toBe('length');
    expect(generated.usage).toMatchObject({ outputTokens: 3 });
    expect(generated.usage?.totalTokens).toBe((generated.usage?.inputTokens ?? 0) + 3);
    const streamed = await client.stream(messages, { model, maxTokens: 3 }).collect();
    expect(streamed.finishReason).toBe('length');
    expect(streamed.usage).toEqual(generated.usage);
    expect(streamed.text).toBe(generated.text);
  });

  it('reports the cost when the service puts it in usage (OpenRouter)', async () => {
    const client = createOpenAICompatibleBackend({ name: 'or', baseURL: simulator.baseURL('openrouter'), apiKey: 'sk-or' });
    const completion = await client.stream(messages, { model }).collect();
    expect(completion.usage?.cost).toBeTypeOf('number');
  });

  it('lists models and GETs server routes with typed errors', async () => {
    const client = backend();
    const models = await client.listModels();
    expect(models.length).toBeGreaterThan(0);
    expect(models.every((entry) => typeof entry.id === 'string' && entry.id !== '')).toBe(true);
    const first = models[0]?.id ?? '';
    const one = await client.getJSON<{ id: string }>(`/models/${first}`);
    expect(one.id).toBe(first);
    const missing = await client.getJSON('/models/no-such-model').catch((e: unknown) => e);
    expect(BackendError.isInstance(missing)).toBe(true);
    expect((missing as BackendError).status).toBe(404);
  });
});
