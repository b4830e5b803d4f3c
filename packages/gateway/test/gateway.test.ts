import { connect } from 'node:net';
import { inspect } from 'node:util';
import { AbortedError, createRouter, type RouterEvent } from '@router/core';
import { ConcurrencyLimiter } from '@router/core/reliability';
import { createOpenAICompatibleBackend } from '@router/openai-compatible';
import { simulatedEmbedding, simulatedReply, startSimulator, type Simulator } from '@router/testing';
import OpenAI, { type APIError, type RateLimitError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, serve, type Gateway, type GatewayServer, type RequestLogEntry } from '../src/index.ts';
import { simulatorFaults, simulatorModels, testModels, testRouter } from './fixtures/router.ts';

const key = 'gw-test-key-0123456789';
const limitedKey = 'gw-limited-key-0123456789';
const messages = [{ role: 'user' as const, content: 'Tell me about the lighthouse.' }];

let sim: Simulator;
let gateway: Gateway;
let server: GatewayServer;
let client: OpenAI;
const logs: RequestLogEntry[] = [];
const events: RouterEvent[] = [];
const listeners = new Set<(event: RouterEvent) => void>();

beforeAll(async () => {
  sim = await startSimulator({ models: simulatorModels, faults: simulatorFaults });
  gateway = createGateway({
    router: testRouter(sim.baseURL('openai'), [(event) => {
      events.push(event);
      for (const listener of listeners) listener(event);
    }]),
    models: Object.values(testModels),
    keys: [
      { key, name: 'tests' },
      { key: limitedKey, name: 'limited', models: [testModels.chat], maxConcurrent: 1, requestsPerMinute: 3 },
    ],
    maxBodyBytes: 4096,
    log: (entry) => logs.push(entry),
  });
  server = await serve(gateway, { port: 0 });
  client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await sim?.close();
});

beforeEach(() => {
  logs.length = 0;
  events.length = 0;
});

/** Resolves with the first router event the predicate accepts. */
function nextEvent(predicate: (event: RouterEvent) => boolean): Promise<RouterEvent> {
  return new Promise((resolve) => {
    const listener = (event: RouterEvent): void => {
      if (!predicate(event)) return;
      listeners.delete(listener);
      resolve(event);
    };
    listeners.add(listener);
  });
}

describe('chat completions through the openai SDK', () => {
  it('answers a non-streamed call with the text, usage, and the serving backend in headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: testModels.chat, messages, max_completion_tokens: 12, seed: 3, user: 'player-1' })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(simulatedReply({ model: testModels.chat, messages, maxTokens: 12 }));
    expect(data.choices[0]?.finish_reason).toBe('length');
    expect(data.usage?.completion_tokens).toBe(12);
    expect(response.headers.get('x-router-backend')).toBe('sim');
    expect(response.headers.get('x-router-model')).toBe(testModels.chat);
    const upstream = sim.requests.at(-1)!.body as Record<string, unknown>;
    expect(upstream).toMatchObject({ model: testModels.chat, max_tokens: 12, seed: 3, user: 'player-1' });
  });

  it('streams every chunk in order, then the usage chunk when asked for it', async () => {
    const stream = await client.chat.completions.create({
      model: testModels.chat,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finishes: (string | null | undefined)[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(simulatedReply({ model: testModels.chat, messages }));
    expect(finishes).toEqual(['stop']);
    // The simulator's default reply is 24 tokens.
    expect(usage?.completion_tokens).toBe(24);
  });

  it('passes unknown body fields through to the backend and keeps its own fields out of them', async () => {
    await client.chat.completions.create({ model: testModels.chat, messages, top_k: 7, repetition_penalty: 1.1 } as never);
    const upstream = sim.requests.at(-1)!.body as Record<string, unknown>;
    expect(upstream).toMatchObject({ top_k: 7, repetition_penalty: 1.1, stream: false });
  });

  it('sends response_format, stop and max_tokens on to the backend', async () => {
    await client.chat.completions.create({
      model: testModels.chat,
      messages,
      max_tokens: 5,
      stop: ['\n'],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    });
    const upstream = sim.requests.at(-1)!.body as Record<string, unknown>;
    expect(upstream).toMatchObject({
      max_tokens: 5,
      stop: ['\n'],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    });
  });
});

describe('embeddings and models', () => {
  it('answers float vectors', async () => {
    const result = await client.embeddings.create({ model: testModels.embed, input: ['a', 'b'], encoding_format: 'float' });
    expect(result.data.map((item) => item.embedding)).toEqual([
      simulatedEmbedding('a', { dimensions: 8 }),
      simulatedEmbedding('b', { dimensions: 8 }),
    ]);
  });

  it('answers base64 vectors the SDK decodes (its default encoding)', async () => {
    const result = await client.embeddings.create({ model: testModels.embed, input: 'a' });
    const expected = Float32Array.from(simulatedEmbedding('a', { dimensions: 8 }));
    expect(result.data[0]?.embedding).toEqual([...expected]);
  });

  it('lists the configured models, only those a key may use', async () => {
    const all = await client.models.list();
    expect(all.data.map((model) => model.id)).toEqual(Object.values(testModels));
    expect(all.data[0]?.owned_by).toBe('sim');
    const limited = new OpenAI({ apiKey: limitedKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
    expect((await limited.models.list()).data.map((model) => model.id)).toEqual([testModels.chat]);
  });
});

describe('errors in OpenAI shape, as the SDK classes', () => {
  it('400 names the bad field', async () => {
    const error = await client.chat.completions.create({ model: testModels.chat, messages, temperature: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as APIError).param).toBe('temperature');
    expect((error as APIError).message).toContain('temperature');
  });

  it('401 for a missing or wrong key, without echoing it', async () => {
    const wrong = new OpenAI({ apiKey: 'not-the-key-000000', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const error = await wrong.chat.completions.create({ model: testModels.chat, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as APIError).code).toBe('invalid_api_key');
    expect(JSON.stringify((error as APIError).error)).not.toContain('not-the-key');
    const missing = await fetch(`${server.url}/v1/models`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
  });

  it('403 when the key may not use the model', async () => {
    const limited = new OpenAI({ apiKey: limitedKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
    const error = await limited.chat.completions.create({ model: testModels.slow, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it('404 model_not_found for a model no route serves', async () => {
    const error = await client.chat.completions.create({ model: 'nobody/serves-this', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).code).toBe('model_not_found');
  });

  it("429 with Retry-After from the backend's rate limit, streamed or not", async () => {
    const error = await client.chat.completions.create({ model: testModels.rateLimited, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as APIError).headers?.get('retry-after')).toBe('7');
    const streamed = await client.chat.completions.create({ model: testModels.rateLimited, messages, stream: true }).catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('an error after the stream started is one SSE error event, then the stream ends', async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: testModels.broken, messages, stream: true }),
    });
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\n\n').filter(Boolean);
    const last = JSON.parse(events.at(-1)!.replace(/^data: /, '')) as { error: { code: string; type: string } };
    expect(last.error).toMatchObject({ code: 'stream_interrupted', type: 'server_error' });
    expect(events.filter((event) => event.includes('"error"'))).toHaveLength(1);
    expect(events.some((event) => event === 'data: [DONE]')).toBe(false);
    // The SDK raises it as an APIError from the loop.
    const stream = await client.chat.completions.create({ model: testModels.broken, messages, stream: true });
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it('400 for malformed JSON and 404 for an unknown route, in the same shape', async () => {
    const malformed = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: { message: 'The request body is not valid JSON.', type: 'invalid_request_error', param: null, code: 'invalid_json' } });
    const unknown = await fetch(`${server.url}/v1/nothing`, { headers: { authorization: `Bearer ${key}` } });
    expect(unknown.status).toBe(404);
  });
});

describe('request ids and logs', () => {
  it("echoes the client's x-request-id and logs one line without content or keys", async () => {
    const { response } = await client.chat.completions
      .create({ model: testModels.chat, messages }, { headers: { 'x-request-id': 'trace-42' } })
      .withResponse();
    expect(response.headers.get('x-request-id')).toBe('trace-42');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ id: 'trace-42', path: '/v1/chat/completions', status: 200, model: testModels.chat, backend: 'sim', adapter: 'sim', key: 'tests' });
    expect(logs[0]?.outputTokens).toBeGreaterThan(0);
    const line = JSON.stringify(logs);
    expect(line).not.toContain('lighthouse');
    expect(line).not.toContain(key);
  });

  it('makes up an id when the client sent none, and for errors too', async () => {
    const response = await fetch(`${server.url}/v1/models`);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs[0]).toMatchObject({ status: 401, error: 'missing_api_key' });
  });
});

describe('limits', () => {
  it('413 for a body over maxBodyBytes, before reading it all', async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: testModels.chat, messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
  });

  it('429 with Retry-After once a key passes its requests per minute', async () => {
    const limited = new OpenAI({ apiKey: limitedKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
    // Three tokens in the bucket; the models call above may have taken one.
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limited.chat.completions.create({ model: testModels.chat, messages }).catch((e: unknown) => e));
    const refused = results.find((result) => result instanceof OpenAI.RateLimitError) as RateLimitError | undefined;
    expect(refused).toBeDefined();
    expect(Number(refused?.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused?.code).toBe('rate_limit_exceeded');
  });

  it('a client that disconnects mid-stream aborts the upstream call and frees its slot', async () => {
    const aborted = nextEvent((event) => event.type === 'call-error' && event.model === testModels.slow);
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: testModels.slow, messages, stream: true }, { signal: controller.signal });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    controller.abort();
    const event = await aborted;
    expect(event.type === 'call-error' && AbortedError.isInstance(event.error)).toBe(true);
    await expect.poll(() => gateway.inFlight).toBe(0);
    await expect.poll(() => sim.inFlight).toBe(0);
  });

  it("429 once a key has maxConcurrent calls open, and the slot comes back when the stream ends", async () => {
    const soloKey = 'gw-solo-key-0123456789';
    const solo = createGateway({ router: testRouter(sim.baseURL('openai')), keys: [{ key: soloKey, maxConcurrent: 1 }], log: false });
    const soloServer = await serve(solo, { port: 0 });
    try {
      const soloClient = new OpenAI({ apiKey: soloKey, baseURL: `${soloServer.url}/v1`, maxRetries: 0 });
      const open = await soloClient.chat.completions.create({ model: testModels.priced, messages, stream: true });
      const refused = await soloClient.chat.completions.create({ model: testModels.chat, messages }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
      expect((refused as APIError).code).toBe('concurrency_limit_exceeded');
      for await (const _ of open);
      await expect(soloClient.chat.completions.create({ model: testModels.chat, messages })).resolves.toBeDefined();
    } finally {
      await soloServer.close();
    }
  });

  it('504 when a call outlives callTimeoutMs', async () => {
    const hurried = await serve(createGateway({ router: testRouter(sim.baseURL('openai')), callTimeoutMs: 50, log: false }), { port: 0 });
    try {
      // Ten seconds of tokens against a 50 ms budget.
      const response = await fetch(`${hurried.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: testModels.crawl, messages }) });
      expect(response.status).toBe(504);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('timeout');
    } finally {
      await hurried.close();
    }
  });

  it('refuses connections past maxConnections', async () => {
    const capped = await serve(gateway, { port: 0, maxConnections: 1 });
    const first = connect(capped.port, '127.0.0.1');
    try {
      // One answered request on the first connection, which stays open (keep-alive): the server counts it for sure.
      first.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const answer = await new Promise<string>((resolve) => first.once('data', (chunk) => resolve(String(chunk))));
      expect(answer).toMatch(/^HTTP\/1.1 200/);
      const second = connect(capped.port, '127.0.0.1');
      second.on('error', () => {});
      second.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      let secondAnswer = '';
      second.on('data', (chunk) => (secondAnswer += String(chunk)));
      await new Promise((resolve) => second.once('close', resolve));
      expect(secondAnswer).toBe('');
    } finally {
      first.destroy();
      await capped.close();
    }
  });

  it('closes a connection that never finishes its headers (slowloris)', async () => {
    const slow = await serve(gateway, { port: 0, headersTimeoutMs: 300, requestTimeoutMs: 300 });
    try {
      const socket = connect(slow.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n');
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (chunk) => (text += String(chunk)));
        socket.once('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1.1 408/);
    } finally {
      await slow.close();
    }
  });

  it('refuses to listen beyond loopback without keys unless told to', async () => {
    const open = createGateway({ router: testRouter(sim.baseURL('openai')), log: false });
    await expect(serve(open, { port: 0, host: '0.0.0.0' })).rejects.toThrow(/no keys/);
    const allowed = await serve(open, { port: 0, host: '0.0.0.0', allowUnauthenticated: true });
    await allowed.close();
  });
});

describe('spend budgets', () => {
  it('reserves before a call and settles after, so parallel calls cannot overspend', async () => {
    const budgetKey = 'gw-budget-key-0123456789';
    const budgeted = createGateway({
      router: testRouter(sim.baseURL('openai')),
      // One unit per output token: a call with max_tokens 4 reserves 4, and costs 2 (the model says two tokens).
      prices: { [testModels.priced]: { inputPerMillion: 0, outputPerMillion: 1_000_000 } },
      keys: [{ key: budgetKey, name: 'budgeted', budget: 12 }],
      log: false,
    });
    const budgetServer = await serve(budgeted, { port: 0 });
    try {
      const budgetClient = new OpenAI({ apiKey: budgetKey, baseURL: `${budgetServer.url}/v1`, maxRetries: 0 });
      const call = { model: testModels.priced, messages, max_tokens: 4 };
      // Three streams are open (a stream answers once its first chunk is in): 12 reserved, all of the budget.
      const open = await Promise.all([1, 2, 3].map(() => budgetClient.chat.completions.create({ ...call, stream: true })));
      const refused = await budgetClient.chat.completions.create(call).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
      expect((refused as APIError).code).toBe('insufficient_quota');
      await Promise.all(open.map(async (stream) => {
        for await (const _ of stream);
      }));
      // Settled at 2 each: 6 spent, so one more call that reserves 4 fits.
      const admitted = await budgetClient.chat.completions.create(call);
      expect(admitted.usage?.completion_tokens).toBe(2);
      // A model id that names an Object property finds no price (and routes nowhere), leaving the budget intact.
      await expect(budgetClient.chat.completions.create({ ...call, model: 'constructor' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      const stillCounted = await budgetClient.chat.completions.create(call);
      expect(stillCounted.usage?.completion_tokens).toBe(2);
      // 10 spent now: a reservation of 4 no longer fits.
      await expect(budgetClient.chat.completions.create(call)).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    } finally {
      await budgetServer.close();
    }
  });
});

describe('health and readiness', () => {
  it('/healthz answers while /readyz follows the breakers', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    // One failure opens the flaky route's breaker (threshold 1): that route is no longer ready.
    sim.addFault({ model: testModels.flaky, fault: { kind: 'status', status: 500 }, times: 1 });
    await client.chat.completions.create({ model: testModels.flaky, messages }).catch(() => {});
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { routes: { model: string; breaker: string; ready: boolean }[] };
    expect(body.routes.find((route) => route.model === testModels.flaky)).toMatchObject({ breaker: 'open', ready: false });
  });
});

describe('the fetch handler on its own', () => {
  it('serves a Request without any server', async () => {
    const response = await gateway(
      new Request('http://gateway.local/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: testModels.chat, messages, stream: true }),
      }),
    );
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});

describe('metrics', () => {
  it('counts requests by route, backend and status, with latency and TTFT histograms and breaker states', async () => {
    await client.chat.completions.create({ model: testModels.chat, messages });
    for await (const _ of await client.chat.completions.create({ model: testModels.chat, messages, stream: true }));
    await client.chat.completions.create({ model: 'nobody/serves-this', messages }).catch(() => {});
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const value = (series: string): number => Number(new RegExp(`^${series.replace(/[{}()[\]|+.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('router_gateway_requests_total{route="/v1/chat/completions",backend="sim",status="200"}')).toBeGreaterThanOrEqual(2);
    expect(value('router_gateway_requests_total{route="/v1/chat/completions",backend="none",status="404"}')).toBeGreaterThanOrEqual(1);
    expect(value('router_gateway_errors_total{route="/v1/chat/completions",backend="none",code="model_not_found"}')).toBeGreaterThanOrEqual(1);
    expect(value('router_gateway_time_to_first_token_seconds_count{route="/v1/chat/completions",backend="sim"}')).toBeGreaterThanOrEqual(1);
    expect(value('router_gateway_request_duration_seconds_bucket{route="/v1/chat/completions",backend="sim",le="+Inf"}')).toBeGreaterThanOrEqual(2);
    expect(value('router_gateway_in_flight')).toBe(0);
    expect(text).toMatch(/^router_gateway_breaker_state\{backend="flaky"\} [02]$/m);
    expect(text).not.toContain(key);
  });
});

describe("each routed backend's limiter", () => {
  it('shows units in use, calls waiting and the limit on /metrics and on the status page', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const upstream = createOpenAICompatibleBackend({ name: 'sim', baseURL: sim.baseURL('openai'), apiKey: 'upstream-secret-key' });
    const limited = createGateway({
      router: createRouter({ backends: { sim: upstream }, default: 'sim', timingLog: false, reliability: { sim: { limiter } } }),
      models: [testModels.priced],
      log: false,
    });
    const post = (signal: AbortSignal): Promise<Response> =>
      limited.fetch(new Request('http://gateway/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: testModels.priced, messages, stream: true }), signal }));
    const metricsText = async (): Promise<string> => (await limited.fetch(new Request('http://gateway/metrics'))).text();
    expect(await metricsText()).toMatch(/^router_gateway_limiter_in_use\{backend="sim"\} 0$/m);

    const controller = new AbortController();
    // The priced model's stream stays open about a second: the first call holds the one slot, the second waits.
    const first = await post(controller.signal);
    const second = post(controller.signal).catch(() => undefined);
    await expect.poll(() => limiter.queued).toBe(1);
    const text = await metricsText();
    expect(text).toMatch(/^router_gateway_limiter_in_use\{backend="sim"\} 1$/m);
    expect(text).toMatch(/^router_gateway_limiter_queued\{backend="sim"\} 1$/m);
    expect(text).toMatch(/^router_gateway_limiter_limit\{backend="sim"\} 1$/m);
    const fragment = await (await limited.fetch(new Request('http://gateway/status.html'))).text();
    expect(fragment).toContain('<td class="in-use">1 / 1</td><td class="queued">1</td>');
    controller.abort();
    await first.body?.cancel().catch(() => {});
    await second;
  });
});

describe('keys at rest', () => {
  it('the gateway keeps no plain key: not on the object, not in what it shows of itself', () => {
    const made = createGateway({ router: testRouter(sim.baseURL('openai')), keys: [{ key, name: 'tests' }], log: false });
    expect(inspect(made, { showHidden: true, depth: 10, getters: true })).not.toContain(key);
    expect(inspect(made, { showHidden: true, depth: 10 })).toContain('requiresKey: true');
  });
});
