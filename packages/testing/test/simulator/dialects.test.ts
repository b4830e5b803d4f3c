import { describe, expect, it } from 'vitest';
import { simulatedReply } from '../../src/simulator/text.ts';
import { chat, get, HELLO, later, post, readSse, readText, simulator, until } from './helpers.ts';

describe('openai dialect', () => {
  it('opens the stream with a role chunk, then content deltas with finish_reason null', async () => {
    const sim = await simulator();
    const sse = await readSse(await post(sim, 'openai', '/chat/completions', chat({ stream: true, max_tokens: 3 })));
    expect(sse.chunks[0]?.choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null });
    expect(sse.chunks[1]?.choices[0].delta).not.toHaveProperty('role');
    expect(sse.chunks[1]?.choices[0].finish_reason).toBeNull();
    expect(sse.chunks[0]?.id).toMatch(/^chatcmpl-/);
    expect(sse.comments).toEqual([]);
  });

  it('sends no usage chunk unless asked', async () => {
    const sim = await simulator();
    const sse = await readSse(await post(sim, 'openai', '/chat/completions', chat({ stream: true })));
    expect(sse.chunks.some((c) => c.usage)).toBe(false);
  });

  it('answers 401 without a bearer token, or with a wrong one when a key is configured', async () => {
    const sim = await simulator({ apiKeys: { openai: 'right-key' } });
    const missing = await fetch(`${sim.baseURL('openai')}/chat/completions`, { method: 'POST', body: JSON.stringify(chat()) });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as any).error).toMatchObject({ type: 'authentication_error' });
    const wrong = await post(sim, 'openai', '/chat/completions', chat(), { authorization: 'Bearer wrong-key' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('wrong-key');
    const right = await post(sim, 'openai', '/chat/completions', chat(), { authorization: 'Bearer right-key' });
    expect(right.status).toBe(200);
    await right.text();
  });

  it('puts errors in {error:{message,type,param,code}}', async () => {
    const sim = await simulator();
    const response = await post(sim, 'openai', '/chat/completions', { messages: HELLO });
    expect(await response.json()).toEqual({
      error: { message: expect.stringContaining('model'), type: 'invalid_request_error', param: 'model', code: null },
    });
  });
});

describe('openrouter dialect', () => {
  it('sends processing comments before and among chunks, gen- ids, X-Generation-Id and role in every delta', async () => {
    const sim = await simulator();
    const response = await post(sim, 'openrouter', '/chat/completions', chat({ stream: true }));
    const generationId = response.headers.get('x-generation-id');
    const sse = await readSse(response);
    expect(sse.raw.startsWith(': OPENROUTER PROCESSING')).toBe(true);
    expect(sse.comments.filter((c) => c === 'OPENROUTER PROCESSING').length).toBeGreaterThan(1);
    // A comment among the data events, not only before them.
    const firstData = sse.raw.indexOf('data:');
    expect(sse.raw.indexOf(': OPENROUTER PROCESSING', firstData)).toBeGreaterThan(firstData);
    expect(generationId).toMatch(/^gen-/);
    expect(sse.chunks.every((c) => c.id === generationId)).toBe(true);
    const deltas = sse.chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0].delta);
    expect(deltas.every((d) => d.role === 'assistant')).toBe(true);
  });

  it('always sends usage with cost in a last chunk with empty choices', async () => {
    const sim = await simulator();
    const sse = await readSse(await post(sim, 'openrouter', '/chat/completions', chat({ stream: true })));
    const last = sse.chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 24, total_tokens: 27 });
    expect(last?.usage.cost).toBeCloseTo(3 * 0.000001 + 24 * 0.000002, 12);
    const json = (await (await post(sim, 'openrouter', '/chat/completions', chat())).json()) as any;
    expect(json.usage.cost).toBeGreaterThan(0);
    expect(json.id).toMatch(/^gen-/);
  });

  it('serves the first of `models` and the first provider of `provider.order`, and logs both', async () => {
    const sim = await simulator();
    const body = { models: ['a/first', 'b/second'], provider: { order: ['Cerebras'], allow_fallbacks: false }, messages: HELLO };
    const json = (await (await post(sim, 'openrouter', '/chat/completions', body)).json()) as any;
    expect(json.model).toBe('a/first');
    expect(json.provider).toBe('Cerebras');
    expect(json.choices[0].message.content).toBe(simulatedReply({ model: 'a/first', messages: HELLO }));
    expect(sim.requests[0]?.body).toMatchObject({ provider: { order: ['Cerebras'], allow_fallbacks: false }, models: ['a/first', 'b/second'] });
  });

  it('answers errors as {error:{code,message,metadata}} with the status equal to code', async () => {
    const sim = await simulator();
    const unauthorized = await fetch(`${sim.baseURL('openrouter')}/chat/completions`, { method: 'POST', body: JSON.stringify(chat()) });
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as any).error).toMatchObject({ code: 401, message: expect.any(String) });
    const bad = await post(sim, 'openrouter', '/chat/completions', { model: 'm' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toMatchObject({ code: 400, message: expect.stringContaining('messages') });
    const limited = await post(sim, 'openrouter', '/chat/completions', chat(), { 'x-sim-fault': '{"kind":"status","status":429,"retryAfter":"2"}' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(((await limited.json()) as any).error).toEqual({
      code: 429,
      message: expect.any(String),
      metadata: { error_type: 'rate_limit_exceeded', provider_name: 'SimProvider' },
    });
  });

  it('sends a mid-stream error event with HTTP 200 and finish_reason "error"', async () => {
    const sim = await simulator();
    const fault = { kind: 'error-event', afterChunks: 3, code: 'provider_overloaded', message: 'Overloaded' };
    const response = await post(sim, 'openrouter', '/chat/completions', chat({ stream: true }), { 'x-sim-fault': JSON.stringify(fault) });
    expect(response.status).toBe(200);
    const sse = await readSse(response);
    const last = sse.chunks.at(-1);
    expect(last?.error).toEqual({ code: 'provider_overloaded', message: 'Overloaded' });
    expect(last?.choices[0].finish_reason).toBe('error');
    expect(sse.content).toBe(simulatedReply({ model: 'sim-model', messages: HELLO, maxTokens: 3 }));
    expect(sse.done).toBe(false);
  });
});

describe('featherless dialect', () => {
  it('refuses with 429 a request that would exceed the plan units, and frees units when streams end', async () => {
    const sim = await simulator({ featherless: { planUnits: 4 }, defaultProfile: { ttftMs: 150 } });
    const big = later(post(sim, 'featherless', '/chat/completions', chat({ model: 'mistralai/Mistral-Small-24B-Instruct-2501' }))); // 2 units
    const small = later(post(sim, 'featherless', '/chat/completions', chat({ model: 'Qwen/Qwen2.5-7B-Instruct' }))); // 1 unit
    await until(() => sim.inFlight === 2);
    const refused = await post(sim, 'featherless', '/chat/completions', chat({ model: 'Qwen/Qwen2.5-Coder-32B-Instruct' })); // 2 more: 5 > 4
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as any).error).toMatchObject({ type: 'rate_limit_exceeded', message: expect.stringContaining('units') });
    const fits = await post(sim, 'featherless', '/chat/completions', chat({ model: 'Qwen/Qwen2.5-7B-Instruct' })); // 1 more: 4 ≤ 4
    expect(fits.status).toBe(200);
    await fits.text();
    await (await big).text();
    await (await small).text();
    const largest = await post(sim, 'featherless', '/chat/completions', chat({ model: 'meta-llama/Llama-3.3-70B-Instruct' })); // 4 units
    expect(largest.status).toBe(200);
    await largest.text();
  });

  it('uses the configured unitCost and releases the units of an aborted request', async () => {
    const sim = await simulator({ featherless: { planUnits: 2, unitCost: () => 2 }, models: { slow: { ttftMs: 5000 } } });
    const controller = new AbortController();
    const slow = later(
      fetch(`${sim.baseURL('featherless')}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k' },
        body: JSON.stringify(chat({ model: 'slow', stream: true })),
        signal: controller.signal,
      }),
    );
    await until(() => sim.inFlight === 1);
    const plan = (await (await get(sim, 'featherless', '/plan')).json()) as any;
    expect(plan).toMatchObject({ concurrency_limit: 2, concurrency_in_use: 2 });
    const refused = await post(sim, 'featherless', '/chat/completions', chat());
    expect(refused.status).toBe(429);
    await refused.text();
    controller.abort();
    await slow.then((response) => readText(response));
    await until(() => sim.inFlight === 0);
    const accepted = await post(sim, 'featherless', '/chat/completions', chat());
    expect(accepted.status).toBe(200);
    await accepted.text();
    expect(sim.requests[0]).toMatchObject({ model: 'slow', clientAborted: true, status: 200 });
  });

  it('describes the plan at GET /plan', async () => {
    const sim = await simulator({ featherless: { planUnits: 8 } });
    const plan = (await (await get(sim, 'featherless', '/plan')).json()) as any;
    expect(plan).toMatchObject({ plan: expect.any(String), concurrency_limit: 8, concurrency_in_use: 0 });
  });
});

describe('mlx dialect (mlx-omni-server)', () => {
  it('checks a bearer token only when a key is configured for it', async () => {
    const sim = await simulator({ apiKeys: { mlx: 'local-key' } });
    const missing = await fetch(`${sim.baseURL('mlx')}/chat/completions`, { method: 'POST', body: JSON.stringify(chat()) });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ detail: expect.any(String) });
    const right = await fetch(`${sim.baseURL('mlx')}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer local-key' }, body: JSON.stringify(chat()) });
    expect(right.status).toBe(200);
    await right.text();
  });

  it('needs no auth and answers with and without /v1', async () => {
    const sim = await simulator();
    for (const base of [sim.baseURL('mlx'), `${sim.url}/mlx`]) {
      const response = await fetch(`${base}/chat/completions`, { method: 'POST', body: JSON.stringify(chat()) });
      expect(response.status).toBe(200);
      await response.text();
    }
    expect(sim.requests.map((r) => r.path)).toEqual(['/chat/completions', '/chat/completions']);
  });

  it('puts role in every delta, omits finish_reason in intermediate chunks, repeats it with usage', async () => {
    const sim = await simulator();
    const sse = await readSse(await post(sim, 'mlx', '/chat/completions', chat({ stream: true, max_tokens: 4, stream_options: { include_usage: true } })));
    const content = sse.chunks.filter((c) => c.choices[0]?.delta?.content);
    expect(content).toHaveLength(4);
    for (const chunk of content) {
      expect(chunk.choices[0].delta.role).toBe('assistant');
      expect(chunk.choices[0]).not.toHaveProperty('finish_reason');
    }
    const [finish, usage] = sse.chunks.slice(-2);
    expect(finish?.choices[0].finish_reason).toBe('length');
    expect(usage?.choices).toHaveLength(1);
    expect(usage?.choices[0].finish_reason).toBe('length');
    expect(usage?.usage).toMatchObject({ completion_tokens: 4 });
  });

  it('rejects invalid bodies with 422 {"detail":[...]} naming the field', async () => {
    const sim = await simulator();
    const response = await post(sim, 'mlx', '/chat/completions', { model: 'm' });
    expect(response.status).toBe(422);
    const body = (await response.json()) as any;
    expect(body.detail[0]).toMatchObject({ loc: ['body', 'messages'], msg: expect.stringContaining('messages') });
  });

  it('answers a model loading failure (status 500) as plain text', async () => {
    const sim = await simulator({ faults: [{ dialect: 'mlx', model: 'broken', fault: { kind: 'status', status: 500 } }] });
    const response = await post(sim, 'mlx', '/chat/completions', chat({ model: 'broken' }));
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toMatch(/Internal Server Error/);
  });

  it('delays the first call of each model by coldStartMs, concurrent first calls sharing the load', async () => {
    const sim = await simulator({ mlx: { coldStartMs: 120 } });
    const timed = async (model: string): Promise<number> => {
      const started = performance.now();
      await (await post(sim, 'mlx', '/chat/completions', chat({ model }))).text();
      return performance.now() - started;
    };
    const [cold, alsoCold] = await Promise.all([timed('a'), timed('a')]);
    expect(cold).toBeGreaterThanOrEqual(110);
    expect(alsoCold).toBeGreaterThanOrEqual(100);
    // Sent together, the warm call to a answers before the cold first call to b: only b waits for its load.
    const order: string[] = [];
    await Promise.all([timed('a').then(() => order.push('a')), timed('b').then((ms) => order.push(`b ${ms >= 119}`))]);
    expect(order).toEqual(['a', 'b true']);
    // DELETE /models/:id unloads: the next call is cold again.
    const deleted = await fetch(`${sim.baseURL('mlx')}/models/a`, { method: 'DELETE' });
    expect(await deleted.json()).toEqual({ id: 'a', object: 'model', deleted: true });
    expect(await timed('a')).toBeGreaterThanOrEqual(110);
  });

  it('closes the connection without any event on close-mid-stream', async () => {
    const sim = await simulator();
    const response = await post(sim, 'mlx', '/chat/completions', chat({ stream: true }), { 'x-sim-fault': '{"kind":"close-mid-stream","afterChunks":1}' });
    const { text, error } = await readText(response);
    expect(error).toBeDefined();
    expect(text).not.toContain('finish_reason');
    expect(text).not.toContain('[DONE]');
  });
});

describe('mlx-lm dialect (mlx_lm.server)', () => {
  it('sends keepalive N/M comments before the first chunk', async () => {
    const sim = await simulator();
    const sse = await readSse(await post(sim, 'mlx-lm', '/chat/completions', chat({ stream: true })));
    expect(sse.comments).toEqual(['keepalive 2/3', 'keepalive 3/3']);
    expect(sse.raw.indexOf(': keepalive')).toBeLessThan(sse.raw.indexOf('data:'));
  });

  it('has /health, no embeddings, and errors as {"error": "..."}', async () => {
    const sim = await simulator();
    expect(await (await fetch(`${sim.baseURL('mlx-lm')}/health`)).json()).toEqual({ status: 'ok' });
    const embeddings = await post(sim, 'mlx-lm', '/embeddings', { model: 'm', input: 'x' });
    expect(embeddings.status).toBe(404);
    expect(await embeddings.json()).toEqual({ error: expect.any(String) });
    const bad = await post(sim, 'mlx-lm', '/chat/completions', { model: 'm' });
    expect(await bad.json()).toEqual({ error: expect.stringContaining('messages') });
  });

  it('defaults max_tokens to 512', async () => {
    const sim = await simulator({ defaultProfile: { outputTokens: 600 } });
    const json = (await (await post(sim, 'mlx-lm', '/chat/completions', chat())).json()) as any;
    expect(json.usage.completion_tokens).toBe(512);
    expect(json.choices[0].finish_reason).toBe('length');
  });
});
