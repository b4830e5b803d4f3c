import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BackendError, ConfigurationError, createRouter, StreamInterruptedError, type Message, type RouterConfig } from '@router/core';
import { CircuitBreaker, ConcurrencyLimiter } from '@router/core/reliability';
import { MockLLMClient } from '@router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOtelListener, type OtelListenerOptions } from '../src/index.ts';
import { createTelemetry, installContextManager, points, type Telemetry } from './telemetry.ts';

const SECRET_TEXT = 'the butler did it';
const messages: Message[] = [
  { role: 'system', content: 'You classify.' },
  { role: 'user', content: SECRET_TEXT },
];

const unavailable = (retryAfterMs?: number): BackendError =>
  new BackendError('503 overloaded', { status: 503, isRetryable: true, ...(retryAfterMs !== undefined && { retryAfterMs }) });

let uninstall: () => void;
beforeAll(() => {
  uninstall = installContextManager();
});
afterAll(() => uninstall());

interface Setup {
  telemetry: Telemetry;
  classifier: MockLLMClient;
  narrative: MockLLMClient;
  router: ReturnType<typeof createRouter>;
}

/** A classifier and a narrative backend behind a router with the listener installed. */
function setup(config: Partial<RouterConfig> = {}, options: OtelListenerOptions = {}): Setup {
  const telemetry = createTelemetry();
  const classifier = new MockLLMClient({ name: 'classifier' });
  const narrative = new MockLLMClient({ name: 'narrative' });
  const router = createRouter({
    backends: { classifier, narrative },
    rules: [{ prefix: 'big', backend: 'narrative' }],
    default: 'classifier',
    timingLog: false,
    ...config,
    listeners: [createOtelListener({ tracer: telemetry.tracer, meter: telemetry.meter, providers: { classifier: 'featherless' }, ...options })],
  });
  return { telemetry, classifier, narrative, router };
}

describe('a plain call', () => {
  it('records reasoning and cached-input token counts where the backend reports them', async () => {
    const { telemetry, classifier, router } = setup();
    classifier.enqueue({ text: 'calm', model: 'small-2025', usage: { inputTokens: 40, outputTokens: 9, reasoningTokens: 6, cachedInputTokens: 32 } });
    await router.generate(messages, { model: 'small' });
    expect(telemetry.byName('chat small').attributes).toMatchObject({
      'gen_ai.usage.reasoning.output_tokens': 6,
      'gen_ai.usage.cache_read.input_tokens': 32,
    });
  });

  it('is one CLIENT span named "{operation} {model}" with the request, the response and the usage', async () => {
    const { telemetry, classifier, router } = setup();
    classifier.enqueue({ text: '{"mood":"calm"}', model: 'small-2025', usage: { inputTokens: 12, outputTokens: 7, totalTokens: 19, cost: 0.002 } });
    await router.generate(messages, {
      model: 'small',
      maxTokens: 50,
      temperature: 0.2,
      topP: 0.9,
      seed: 7,
      stop: 'END',
      responseFormat: { type: 'json_object' },
    });

    expect(telemetry.tree()).toEqual([{ name: 'chat small', children: [] }]);
    const span = telemetry.byName('chat small');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'featherless',
      'gen_ai.request.model': 'small',
      'router.backend': 'classifier',
      'gen_ai.request.stream': false,
      'gen_ai.request.max_tokens': 50,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.seed': 7,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.output.type': 'json',
      'gen_ai.response.model': 'small-2025',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 7,
      'router.usage.cost': 0.002,
      'router.served_by': 'classifier',
      'router.adapter': 'classifier',
      'router.attempts': 1,
    });
    expect(span.events).toEqual([]);
  });

  it('records the duration, token usage and attempts metrics with the conventions attributes', async () => {
    const { telemetry, classifier, router } = setup();
    classifier.enqueue({ text: 'calm', model: 'small-2025', usage: { inputTokens: 12, outputTokens: 7 } });
    await router.generate(messages, { model: 'small' });
    const common = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'featherless',
      'gen_ai.request.model': 'small',
    };
    const duration = points(await telemetry.metric('gen_ai.client.operation.duration'));
    expect(duration).toEqual([{ attributes: { ...common, 'gen_ai.response.model': 'small-2025' }, value: { count: 1, sum: expect.any(Number) } }]);
    expect((await telemetry.metric('gen_ai.client.operation.duration'))?.descriptor.unit).toBe('s');
    expect(points(await telemetry.metric('gen_ai.client.token.usage'))).toEqual([
      { attributes: { ...common, 'gen_ai.response.model': 'small-2025', 'gen_ai.token.type': 'input' }, value: { count: 1, sum: 12 } },
      { attributes: { ...common, 'gen_ai.response.model': 'small-2025', 'gen_ai.token.type': 'output' }, value: { count: 1, sum: 7 } },
    ]);
    expect(points(await telemetry.metric('router.call.attempts'))).toEqual([{ attributes: { 'router.backend': 'classifier' }, value: { count: 1, sum: 1 } }]);
    // A plain generate has no first chunk.
    expect(points(await telemetry.metric('gen_ai.client.operation.time_to_first_chunk'))).toEqual([]);
  });

  it('streams: gen_ai.request.stream, the time to first chunk on the span and as a metric', async () => {
    const { telemetry, router } = setup();
    await router.stream(messages, { model: 'small' }).collect();
    const span = telemetry.byName('chat small');
    expect(span.attributes['gen_ai.request.stream']).toBe(true);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toEqual(expect.any(Number));
    expect(points(await telemetry.metric('gen_ai.client.operation.time_to_first_chunk'))).toHaveLength(1);
  });

  it('embeddings: operation "embeddings" with the dimension count', async () => {
    const { telemetry, router } = setup();
    await router.embed(['a', 'b'], { model: 'emb', dimensions: 8 });
    const span = telemetry.byName('embeddings emb');
    expect(span.attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.embeddings.dimension.count': 8 });
    expect(span.attributes).not.toHaveProperty('gen_ai.request.stream');
  });

  it('a call with a reliability policy gets one child span per attempt', async () => {
    const { telemetry, router } = setup({ reliability: { classifier: { retry: { maxAttempts: 2 } } } });
    await router.generate(messages, { model: 'small' });
    expect(telemetry.tree()).toEqual([{ name: 'chat small', children: [{ name: 'attempt classifier', children: [] }] }]);
    expect(telemetry.byName('attempt classifier').attributes).toEqual({
      'router.attempt': 1,
      'router.backend': 'classifier',
      'gen_ai.provider.name': 'featherless',
      'gen_ai.request.model': 'small',
      'router.attempt.outcome': 'ok',
    });
  });
});

describe('reliability', () => {
  it('a retry: the failed attempt says why it ended and how long the router waited', async () => {
    const { telemetry, classifier, router } = setup({ reliability: { classifier: { retry: { maxAttempts: 2 } } } });
    classifier.enqueue({ error: unavailable(1) });
    await router.generate(messages, { model: 'small' });

    expect(telemetry.tree()).toEqual([
      { name: 'chat small', children: [{ name: 'attempt classifier', children: [] }, { name: 'attempt classifier', children: [] }] },
    ]);
    const [failed, served] = telemetry.spans().filter((span) => span.name === 'attempt classifier');
    expect(failed?.attributes).toMatchObject({ 'router.attempt': 1, 'router.attempt.outcome': 'retry', 'router.retry.delay': 0.001, 'error.type': 'backend', 'http.response.status_code': 503 });
    expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'BackendError(backend 503)' });
    expect(served?.attributes).toMatchObject({ 'router.attempt': 2, 'router.attempt.outcome': 'ok' });
    expect(served?.attributes).not.toHaveProperty('error.type');
    const call = telemetry.byName('chat small');
    expect(call.attributes['router.attempts']).toBe(2);
    expect(call.events.map((event) => [event.name, event.attributes])).toEqual([
      ['router.retry', { 'router.backend': 'classifier', 'router.attempt': 1, 'router.retry.delay': 0.001, 'error.type': 'backend', 'http.response.status_code': 503 }],
    ]);
    expect(points(await telemetry.metric('router.retries'))).toEqual([{ attributes: { 'router.backend': 'classifier', 'error.type': 'backend' }, value: 1 }]);
  });

  it('a stream retried before its first chunk: two attempts, the stream span ends after the second', async () => {
    const { telemetry, classifier, router } = setup({ reliability: { classifier: { retry: { maxAttempts: 2 } } } });
    classifier.enqueue({ error: unavailable(1) });
    const completion = await router.stream(messages, { model: 'small' }).collect();
    expect(completion.attempts).toBe(2);
    expect(telemetry.tree()).toEqual([
      { name: 'chat small', children: [{ name: 'attempt classifier', children: [] }, { name: 'attempt classifier', children: [] }] },
    ]);
    expect(telemetry.spans().filter((span) => span.name === 'attempt classifier').map((span) => span.attributes['router.attempt.outcome'])).toEqual(['retry', 'ok']);
    expect(telemetry.byName('chat small').attributes).toMatchObject({ 'router.attempts': 2, 'gen_ai.request.stream': true, 'gen_ai.response.finish_reasons': ['stop'] });
  });

  it('a failed call on a route without a policy records no attempt count it cannot know', async () => {
    const { telemetry, classifier, router } = setup();
    classifier.enqueue({ error: unavailable() });
    await expect(router.generate(messages, { model: 'small' })).rejects.toThrow(BackendError);
    expect(telemetry.byName('chat small').attributes).not.toHaveProperty('router.attempts');
    expect(points(await telemetry.metric('router.call.attempts'))).toEqual([]);
  });

  it('a fallback: an attempt per backend, the fallback as an event and a count', async () => {
    const { telemetry, classifier, router } = setup({ reliability: { classifier: { fallbacks: [{ backend: 'narrative', model: 'big' }] } } });
    classifier.enqueue({ error: unavailable() });
    const completion = await router.generate(messages, { model: 'small' });
    expect(completion.backend).toBe('narrative');

    expect(telemetry.tree()).toEqual([
      { name: 'chat small', children: [{ name: 'attempt classifier', children: [] }, { name: 'attempt narrative', children: [] }] },
    ]);
    expect(telemetry.byName('attempt classifier').attributes).toMatchObject({ 'router.attempt.outcome': 'fallback', 'router.fallback.to': 'narrative', 'error.type': 'backend' });
    expect(telemetry.byName('attempt narrative').attributes).toMatchObject({
      'router.attempt': 2,
      'gen_ai.provider.name': 'narrative',
      'gen_ai.request.model': 'big',
      'router.attempt.outcome': 'ok',
    });
    const call = telemetry.byName('chat small');
    expect(call.attributes).toMatchObject({ 'gen_ai.response.model': 'big', 'router.served_by': 'narrative', 'router.attempts': 2 });
    expect(call.events.map((event) => [event.name, event.attributes])).toEqual([
      [
        'router.fallback',
        { 'router.backend': 'classifier', 'router.fallback.to': 'narrative', 'router.fallback.to_model': 'big', 'error.type': 'backend', 'http.response.status_code': 503 },
      ],
    ]);
    expect(points(await telemetry.metric('router.fallbacks'))).toEqual([
      { attributes: { 'router.backend': 'classifier', 'router.fallback.to': 'narrative', 'error.type': 'backend' }, value: 1 },
    ]);
  });

  it('a limiter wait: an event on the call, the wait on the attempt it delayed, and a metric', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const held = await limiter.acquire();
    const { telemetry, router } = setup({ reliability: { classifier: { limiter } } });
    // The call queues synchronously behind the held slot; it is freed on the next turn of the loop.
    const call = router.generate(messages, { model: 'small' });
    await new Promise(setImmediate);
    held.release();
    await call;

    const span = telemetry.byName('chat small');
    expect(span.events.map((event) => event.name)).toEqual(['router.limiter.wait']);
    const waited = span.events[0]?.attributes?.['router.limiter.wait'];
    expect(waited).toBeGreaterThan(0);
    expect(telemetry.byName('attempt classifier').attributes['router.limiter.wait']).toBe(waited);
    expect(points(await telemetry.metric('router.limiter.wait'))).toEqual([{ attributes: { 'router.backend': 'classifier' }, value: { count: 1, sum: waited } }]);
  });

  it('a breaker opening: an event on the call that opened it and the state as a gauge', async () => {
    const { telemetry, classifier, router } = setup({ reliability: { classifier: { breaker: new CircuitBreaker({ failureThreshold: 1 }) } } });
    classifier.enqueue({ error: unavailable() });
    await expect(router.generate(messages, { model: 'small' })).rejects.toThrow(BackendError);

    const span = telemetry.byName('chat small');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'BackendError(backend 503)' });
    expect(span.attributes).toMatchObject({ 'error.type': 'backend', 'http.response.status_code': 503, 'router.attempts': 1 });
    expect(span.events.map((event) => [event.name, event.attributes])).toEqual([
      ['router.breaker', { 'router.backend': 'classifier', 'router.breaker.state': 'open', 'router.breaker.previous': 'closed' }],
    ]);
    expect(telemetry.byName('attempt classifier').attributes['router.attempt.outcome']).toBe('error');
    expect(points(await telemetry.metric('router.breaker.state'))).toEqual([{ attributes: { 'router.backend': 'classifier' }, value: 2 }]);
    expect(points(await telemetry.metric('gen_ai.client.operation.duration'))[0]?.attributes).toMatchObject({ 'error.type': 'backend' });

    // The next call is refused by the open breaker before any attempt: no attempt span, error.type says why.
    await expect(router.generate(messages, { model: 'small' })).rejects.toMatchObject({ code: 'circuit-open' });
    const refused = telemetry.spans().filter((s) => s.name === 'chat small')[1];
    expect(refused?.attributes).toMatchObject({ 'error.type': 'circuit-open' });
    expect(refused?.attributes).not.toHaveProperty('router.attempts');
  });
});

describe('streams and trace context', () => {
  it('a stream interrupted after text: the call span is a child of the span active around the loop, across awaits', async () => {
    const { telemetry, classifier, router } = setup({}, { captureContent: true });
    classifier.enqueue({ error: unavailable(), text: 'one two three', failAfterChunks: 2 });
    const received: string[] = [];
    const failure = await telemetry.tracer.startActiveSpan('turn', async (turn) => {
      try {
        for await (const chunk of router.stream(messages, { model: 'small' })) {
          received.push(chunk);
          await new Promise(setImmediate);
        }
        return undefined;
      } catch (error) {
        return error;
      } finally {
        turn.end();
      }
    });
    expect(StreamInterruptedError.isInstance(failure)).toBe(true);
    expect(received).toEqual(['one ', 'two ']);

    expect(telemetry.tree()).toEqual([{ name: 'turn', children: [{ name: 'chat small', children: [] }] }]);
    const span = telemetry.byName('chat small');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'StreamInterruptedError(stream-interrupted 503)' });
    expect(span.attributes).toMatchObject({ 'error.type': 'stream-interrupted', 'gen_ai.request.stream': true });
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toEqual(expect.any(Number));
    expect(JSON.parse(String(span.attributes['gen_ai.output.messages']))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'one two ' }], finish_reason: 'error' },
    ]);
  });

  it('parallel calls under different active spans each get their own parent', async () => {
    const { telemetry, router } = setup();
    const under = (name: string, model: string): Promise<void> =>
      telemetry.tracer.startActiveSpan(name, async (span) => {
        await router.generate(messages, { model });
        for await (const _ of router.stream(messages, { model })) await new Promise(setImmediate);
        span.end();
      });
    await Promise.all([under('classify', 'small'), under('narrate', 'big')]);
    expect(telemetry.tree()).toEqual([
      { name: 'classify', children: [{ name: 'chat small', children: [] }, { name: 'chat small', children: [] }] },
      { name: 'narrate', children: [{ name: 'chat big', children: [] }, { name: 'chat big', children: [] }] },
    ]);
  });

  it('a call with no active span starts a trace of its own', async () => {
    const { telemetry, router } = setup();
    await router.generate(messages, { model: 'small' });
    expect(trace.getActiveSpan()).toBeUndefined();
    expect(telemetry.byName('chat small').parentSpanContext).toBeUndefined();
  });
});

describe('content and secrets', () => {
  const secretHeader = 'Bearer sk-or-v1-0123456789abcdef';

  async function recorded(captureContent: boolean): Promise<string> {
    const { telemetry, router } = setup({ reliability: { classifier: { fallbacks: ['narrative'] } } }, { captureContent });
    const options = { model: 'small', headers: { authorization: secretHeader }, extraBody: { api_key: secretHeader } };
    await router.generate(messages, options);
    await router.stream(messages, options).collect();
    return JSON.stringify(telemetry.spans().map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status })));
  }

  it('records no message content by default', async () => {
    const all = await recorded(false);
    expect(all).not.toContain(SECRET_TEXT);
    expect(all).not.toContain('You classify');
    expect(all).not.toContain('gen_ai.input.messages');
    expect(all).not.toContain('gen_ai.output.messages');
  });

  it('records content in the conventions shape when captureContent is on', async () => {
    const { telemetry, router } = setup({}, { captureContent: true });
    const completion = await router.generate(messages, { model: 'small' });
    const span = telemetry.byName('chat small');
    expect(JSON.parse(String(span.attributes['gen_ai.input.messages']))).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You classify.' }] },
      { role: 'user', parts: [{ type: 'text', content: SECRET_TEXT }] },
    ]);
    expect(JSON.parse(String(span.attributes['gen_ai.output.messages']))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: completion.text }], finish_reason: 'stop' },
    ]);
  });

  it.each([false, true])('never records a header or a body field, whatever captureContent (%s)', async (captureContent) => {
    const all = await recorded(captureContent);
    expect(all).not.toContain('sk-or-v1');
    expect(all).not.toContain('authorization');
  });
});

describe('bounds and options', () => {
  it('ends the oldest open call as abandoned past maxOpenCalls', async () => {
    const { telemetry, router } = setup({}, { maxOpenCalls: 1 });
    const left = router.stream(messages, { model: 'small' })[Symbol.asyncIterator]();
    await left.next();
    await router.generate(messages, { model: 'big' });
    const abandoned = telemetry.byName('chat small');
    expect(abandoned.attributes['error.type']).toBe('abandoned');
    expect(abandoned.status.code).toBe(SpanStatusCode.ERROR);
    expect(telemetry.byName('chat big').status.code).toBe(SpanStatusCode.UNSET);
    await left.return?.();
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxOpenCalls %s with a ConfigurationError naming it', (maxOpenCalls) => {
    expect(() => createOtelListener({ maxOpenCalls })).toThrow(ConfigurationError);
    expect(() => createOtelListener({ maxOpenCalls })).toThrow(/maxOpenCalls/);
  });

  it('refuses a provider name that is not a non-empty string, naming the backend', () => {
    expect(() => createOtelListener({ providers: { narrative: '' } })).toThrow(/providers\.narrative/);
    expect(() => createOtelListener({ providers: { narrative: 42 as unknown as string } })).toThrow(ConfigurationError);
  });

  it('a backend named like an Object.prototype member keeps its own name as the provider', async () => {
    const telemetry = createTelemetry();
    const router = createRouter({
      backends: { toString: new MockLLMClient() },
      default: 'toString',
      timingLog: false,
      listeners: [createOtelListener({ tracer: telemetry.tracer, meter: telemetry.meter })],
    });
    await router.generate(messages, { model: 'small' });
    expect(telemetry.byName('chat small').attributes['gen_ai.provider.name']).toBe('toString');
  });

  it('uses the global providers when given no tracer or meter (no SDK installed: no-op, nothing breaks)', async () => {
    const router = createRouter({ backends: { classifier: new MockLLMClient() }, default: 'classifier', timingLog: false, listeners: [createOtelListener()] });
    await expect(router.generate(messages, { model: 'small' })).resolves.toMatchObject({ backend: 'classifier', adapter: 'mock' });
  });
});
