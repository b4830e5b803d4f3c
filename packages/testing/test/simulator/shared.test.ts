import { describe, expect, it } from 'vitest';
import { simulatedEmbedding } from '../../src/simulator/embeddings.ts';
import { simulatedReply } from '../../src/simulator/text.ts';
import { DIALECTS, type Dialect } from '../../src/simulator/types.ts';
import { chat, get, HELLO, post, readSse, simulator } from './helpers.ts';

const validationStatus: Record<Dialect, number> = { openai: 400, openrouter: 400, featherless: 400, mlx: 422, 'mlx-lm': 400, ollama: 400, vllm: 400, 'vllm-legacy': 400, lmstudio: 400 };

describe.each(DIALECTS)('every dialect: %s', (dialect) => {
  it('answers a chat completion as JSON with the deterministic reply and usage', async () => {
    const sim = await simulator();
    const response = await post(sim, dialect, '/chat/completions', chat());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as Record<string, any>;
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('sim-model');
    expect(body.choices[0].message).toEqual({ role: 'assistant', content: simulatedReply({ model: 'sim-model', messages: HELLO }) });
    expect(body.choices[0].finish_reason).toBe('stop');
    // "Hello there" is 11 characters: ceil(11 / 4) = 3 prompt tokens; 24 generated tokens.
    expect(body.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 24, total_tokens: 27 });
  });

  it('streams the same reply as SSE, ending with a finish reason and [DONE]', async () => {
    const sim = await simulator();
    const response = await post(sim, dialect, '/chat/completions', chat({ stream: true, max_tokens: 6 }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const sse = await readSse(response);
    expect(sse.content).toBe(simulatedReply({ model: 'sim-model', messages: HELLO, maxTokens: 6 }));
    expect(sse.done).toBe(true);
    const finish = sse.chunks.find((c) => c.choices?.[0]?.finish_reason);
    expect(finish?.choices[0].finish_reason).toBe('length');
    expect(sse.chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'sim-model')).toBe(true);
    expect(new Set(sse.chunks.map((c) => c.id)).size).toBe(1);
  });

  it('sends a usage chunk when stream_options.include_usage is set', async () => {
    const sim = await simulator();
    const sse = await readSse(await post(sim, dialect, '/chat/completions', chat({ stream: true, stream_options: { include_usage: true } })));
    const usage = sse.chunks.filter((c) => c.usage);
    expect(usage).toHaveLength(1);
    expect(usage[0]?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 24, total_tokens: 27 });
    // The usage chunk is the last one before [DONE].
    expect(sse.chunks.at(-1)).toBe(usage[0]);
  });

  it('groups tokensPerChunk tokens per chunk and honours a fixed reply', async () => {
    const sim = await simulator({ models: { fixed: { reply: 'one two three four five', tokensPerChunk: 2 } } });
    const sse = await readSse(await post(sim, dialect, '/chat/completions', chat({ model: 'fixed', stream: true })));
    const contents = sse.chunks.map((c) => c.choices?.[0]?.delta?.content).filter((c) => c);
    expect(contents).toEqual(['one two ', 'three four ', 'five']);
  });

  it('answers JSON mode with one JSON object, streamed in several chunks', async () => {
    const sim = await simulator();
    const format = { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object', properties: { n: { type: 'integer', minimum: 1, maximum: 3 } } } } };
    const sse = await readSse(await post(sim, dialect, '/chat/completions', chat({ stream: true, response_format: format })));
    const value = JSON.parse(sse.content) as { n: number };
    expect([1, 2, 3]).toContain(value.n);
    expect(sse.chunks.filter((c) => c.choices?.[0]?.delta?.content).length).toBeGreaterThan(1);
    expect(sse.content).toBe(simulatedReply({ model: 'sim-model', messages: HELLO, responseFormat: format }));
  });

  it(`rejects invalid chat bodies with ${validationStatus[dialect]}`, async () => {
    const sim = await simulator();
    for (const body of [{ messages: HELLO }, { model: 'm', messages: 'hi' }, { model: 'm', messages: [] }, { model: 'm', messages: HELLO, max_tokens: 0 }, '{oops', '[1]']) {
      const response = await post(sim, dialect, '/chat/completions', body);
      expect(response.status, JSON.stringify(body)).toBe(validationStatus[dialect]);
      await response.text();
    }
  });

  it('lists models and gets one by id (ids with slashes too), 404 for an unknown id', async () => {
    const sim = await simulator({ models: { 'org/custom-model': {} } });
    const list = (await (await get(sim, dialect, '/models')).json()) as { object: string; data: { id: string }[] };
    expect(list.object).toBe('list');
    expect(list.data.map((m) => m.id)).toContain('org/custom-model');
    const one = await get(sim, dialect, '/models/org/custom-model');
    expect(one.status).toBe(200);
    expect(((await one.json()) as { id: string }).id).toBe('org/custom-model');
    const missing = await get(sim, dialect, '/models/nope');
    expect(missing.status).toBe(404);
    await missing.text();
  });

  it('answers 404 for an unknown route, in the dialect shape', async () => {
    const sim = await simulator();
    const response = await post(sim, dialect, '/nope', {});
    expect(response.status).toBe(404);
    expect(sim.requests.at(-1)).toMatchObject({ dialect, path: '/nope', status: 404 });
    await response.text();
  });
});

// mlx_lm.server has no embeddings route; Ollama takes one string per request (its own tests cover it).
describe.each(DIALECTS.filter((d) => d !== 'mlx-lm' && d !== 'ollama'))('embeddings: %s', (dialect) => {
  it('returns deterministic unit vectors for a string or an array, honouring dimensions', async () => {
    const sim = await simulator({ models: { 'small-embedder': { embeddingDimensions: 16 } } });
    const single = (await (await post(sim, dialect, '/embeddings', { model: 'emb', input: 'hello' })).json()) as Record<string, any>;
    expect(single.object).toBe('list');
    expect(single.model).toBe('emb');
    expect(single.data).toEqual([{ object: 'embedding', index: 0, embedding: simulatedEmbedding('hello') }]);
    expect(single.usage).toMatchObject({ prompt_tokens: 2, total_tokens: 2 });

    const many = (await (await post(sim, dialect, '/embeddings', { model: 'emb', input: ['a', 'b'], dimensions: 5 })).json()) as Record<string, any>;
    expect(many.data.map((d: any) => d.index)).toEqual([0, 1]);
    expect(many.data[1].embedding).toEqual(simulatedEmbedding('b', { dimensions: 5 }));

    const profiled = (await (await post(sim, dialect, '/embeddings', { model: 'small-embedder', input: 'x' })).json()) as Record<string, any>;
    expect(profiled.data[0].embedding).toHaveLength(16);
  });

  it('encodes base64 float32 vectors when asked (the openai SDK default)', async () => {
    const sim = await simulator();
    const body = (await (await post(sim, dialect, '/embeddings', { model: 'emb', input: 'hello', encoding_format: 'base64' })).json()) as Record<string, any>;
    const bytes = Buffer.from(body.data[0].embedding as string, 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    expect(decoded).toEqual(simulatedEmbedding('hello'));
  });

  it('rejects invalid embedding requests', async () => {
    const sim = await simulator();
    for (const body of [{ input: 'x' }, { model: 'emb' }, { model: 'emb', input: [] }, { model: 'emb', input: 'x', dimensions: -1 }]) {
      const response = await post(sim, dialect, '/embeddings', body);
      expect(response.status, JSON.stringify(body)).toBe(validationStatus[dialect]);
      await response.text();
    }
  });
});
