import { afterEach, describe, expect, it, vi } from 'vitest';
import { ColdStarts } from '../../src/simulator/cold-start.ts';
import { simulatedReply } from '../../src/simulator/text.ts';
import { simulatedReasoning } from '../../src/simulator/turn.ts';
import { chat, HELLO, post, readSse, simulator } from './helpers.ts';

const errorEvent = (afterChunks: number) => ({ 'x-sim-fault': JSON.stringify({ kind: 'error-event', afterChunks, code: 500, message: 'model runner crashed' }) });

describe('ollama dialect', () => {
  it('needs no key, answers errors as a flat {"error": "..."} and lists models at /api/tags', async () => {
    const sim = await simulator({ models: { 'llama3.2:1b': {} } });
    const ok = await fetch(`${sim.baseURL('ollama')}/chat/completions`, { method: 'POST', body: JSON.stringify(chat()) });
    expect(ok.status).toBe(200);
    await ok.text();
    const bad = await post(sim, 'ollama', '/chat/completions', { model: 'm' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringContaining('messages') });
    const tags = (await (await fetch(`${sim.url}/ollama/api/tags`)).json()) as { models: { name: string; model: string }[] };
    expect(tags.models.map((model) => model.name)).toContain('llama3.2:1b');
  });

  it('takes one string per embeddings request and refuses an array with a flat 400', async () => {
    const sim = await simulator();
    const single = (await (await post(sim, 'ollama', '/embeddings', { model: 'nomic-embed-text', input: 'hello' })).json()) as { data: unknown[] };
    expect(single.data).toHaveLength(1);
    const batch = await post(sim, 'ollama', '/embeddings', { model: 'nomic-embed-text', input: ['a', 'b'] });
    expect(batch.status).toBe(400);
    expect(await batch.json()).toEqual({ error: expect.stringContaining('cannot unmarshal array') });
  });

  it('reports an error inside a 200 stream as a flat error event, then ends', async () => {
    const sim = await simulator();
    const response = await post(sim, 'ollama', '/chat/completions', chat({ stream: true }), errorEvent(2));
    expect(response.status).toBe(200);
    const sse = await readSse(response);
    expect(sse.chunks.at(-1)).toEqual({ error: 'model runner crashed' });
    expect(sse.done).toBe(false);
  });
});

describe('vllm dialects', () => {
  it('answers 400 to tool_choice "auto" naming the flags the server lacks', async () => {
    const sim = await simulator();
    const response = await post(sim, 'vllm', '/chat/completions', chat({ tool_choice: 'auto' }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; type: string; code: number } };
    expect(body.error).toMatchObject({ type: 'BadRequestError', code: 400 });
    expect(body.error.message).toContain('--enable-auto-tool-choice');
  });

  it('sends a profile’s reasoning as reasoning_content, before the reply and apart from it', async () => {
    const profile = { reasoningTokens: 5 };
    const thought = simulatedReasoning({ model: 'thinker', messages: HELLO, profile });
    const sim = await simulator({ models: { thinker: profile } });
    const sse = await readSse(await post(sim, 'vllm', '/chat/completions', chat({ model: 'thinker', stream: true })));
    const reasoning = sse.chunks.map((c) => c.choices?.[0]?.delta?.reasoning_content ?? '').join('');
    expect(reasoning).toBe(thought);
    expect(sse.content).toBe(simulatedReply({ model: 'thinker', messages: HELLO }));
    const firstContent = sse.chunks.findIndex((c) => c.choices?.[0]?.delta?.content);
    const lastReasoning = sse.chunks.findLastIndex((c) => c.choices?.[0]?.delta?.reasoning_content);
    expect(lastReasoning).toBeLessThan(firstContent);
    const json = (await (await post(sim, 'vllm', '/chat/completions', chat({ model: 'thinker' }))).json()) as any;
    expect(json.choices[0].message).toMatchObject({ reasoning_content: thought, content: simulatedReply({ model: 'thinker', messages: HELLO }) });
  });

  it('vllm: {"error": {...}} before and inside streams; vllm-legacy: the flat {"object": "error"} in both places', async () => {
    const sim = await simulator();
    const current = await post(sim, 'vllm', '/chat/completions', { model: 'm' });
    expect(await current.json()).toEqual({ error: expect.objectContaining({ code: 400, type: 'BadRequestError' }) });
    const legacy = await post(sim, 'vllm-legacy', '/chat/completions', { model: 'm' });
    expect(await legacy.json()).toEqual(expect.objectContaining({ object: 'error', code: 400, type: 'BadRequestError' }));

    const inCurrent = await readSse(await post(sim, 'vllm', '/chat/completions', chat({ stream: true }), errorEvent(1)));
    expect(inCurrent.chunks.at(-1)).toEqual({ error: { message: 'model runner crashed', type: 'InternalServerError', param: null, code: 500 } });
    const inLegacy = await readSse(await post(sim, 'vllm-legacy', '/chat/completions', chat({ stream: true }), errorEvent(1)));
    expect(inLegacy.chunks.at(-1)).toEqual({ object: 'error', message: 'model runner crashed', type: 'InternalServerError', param: null, code: 500 });
  });

  it('sends streamed usage only when stream_options.include_usage is set', async () => {
    const sim = await simulator();
    const without = await readSse(await post(sim, 'vllm', '/chat/completions', chat({ stream: true })));
    expect(without.chunks.some((c) => c.usage)).toBe(false);
  });
});

describe('lmstudio dialect', () => {
  it('accepts a placeholder key or none, and makes the first call to a model wait while it loads', async () => {
    const sim = await simulator({ mlx: { coldStartMs: 60 } });
    const started = performance.now();
    const first = await fetch(`${sim.baseURL('lmstudio')}/chat/completions`, { method: 'POST', body: JSON.stringify(chat({ model: 'qwen2.5-7b-instruct' })) });
    expect(first.status).toBe(200);
    await first.text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    const second = await post(sim, 'lmstudio', '/chat/completions', chat({ model: 'qwen2.5-7b-instruct' }), { authorization: 'Bearer lm-studio' });
    expect(second.status).toBe(200);
    await second.text();
  });
});

describe('cold starts with an idle TTL (LM Studio)', () => {
  afterEach(() => vi.useRealTimers());

  it('a model idle longer than unloadAfterMs is loaded again; one in use stays loaded', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const loads = new ColdStarts(100, 1_000);
    expect(loads.delayFor('m')).toBe(100);
    vi.advanceTimersByTime(40);
    expect(loads.delayFor('m'), 'a request during the load waits for the rest of it').toBe(60);
    vi.advanceTimersByTime(900);
    expect(loads.delayFor('m'), 'used within the TTL: still loaded').toBe(0);
    vi.advanceTimersByTime(1_001);
    expect(loads.delayFor('m'), 'idle past the TTL: unloaded, cold again').toBe(100);
  });

  it('without unloadAfterMs a loaded model stays loaded', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const loads = new ColdStarts(100);
    loads.delayFor('m');
    vi.advanceTimersByTime(3_600_000);
    expect(loads.delayFor('m')).toBe(0);
  });
});
