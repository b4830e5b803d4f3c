import { describe, expect, it } from 'vitest';
import {
  BackendError,
  ConfigurationError,
  createRouter,
  StreamInterruptedError,
  type ModelAlias,
  type RouterConfig,
  type RouterEvent,
} from '../../src/index.ts';
import { CircuitBreaker } from '../../src/reliability.ts';
import { alias } from '../../src/routing.ts';
import { inMemoryBackend } from '../in-memory-backend.ts';
import { messages, scriptedBackend, type ScriptedOptions } from '../reliability/scripted-backend.ts';

const down = (): BackendError => new BackendError('503', { status: 503, isRetryable: true });

const PUBLIC = 'llama-3.1-8b';

/** Two deployments of one model under their own ids, a backend the rules use, and the router's events. */
function setup(options: { a?: ScriptedOptions; b?: ScriptedOptions; config?: Partial<RouterConfig>; aliasConfig?: Partial<Parameters<typeof alias>[0]> } = {}) {
  const a = scriptedBackend({ name: 'a', ...options.a });
  // b's options object is kept, so a test can change its behaviour mid-run.
  const b = scriptedBackend(Object.assign(options.b ?? {}, { name: 'b' }));
  const other = scriptedBackend({ name: 'other' });
  const events: RouterEvent[] = [];
  const router = createRouter({
    backends: { a, b, other },
    rules: [{ prefix: 'x/', backend: 'other' }],
    default: 'other',
    aliases: {
      [PUBLIC]: alias({
        deployments: [
          { backend: 'a', model: 'meta-llama/llama-3.1-8b-instruct' },
          { backend: 'b', model: 'llama3.1:8b' },
        ],
        ...options.aliasConfig,
      }),
    },
    listeners: [(event) => events.push(event)],
    timingLog: false,
    ...options.config,
  });
  return { router, a, b, other, events };
}

describe('aliases', () => {
  it('sends each backend its own model id and says which deployment served, for every operation', async () => {
    const { router, a } = setup();
    const completion = await router.generate(messages, { model: PUBLIC });
    expect(completion).toMatchObject({ backend: 'a', model: 'meta-llama/llama-3.1-8b-instruct', text: 'answer from a ' });
    const streamed = await router.stream(messages, { model: PUBLIC }).collect();
    expect(streamed).toMatchObject({ backend: 'a', model: 'meta-llama/llama-3.1-8b-instruct', text: 'answer from a ' });
    const embedded = await router.embed('hello', { model: PUBLIC });
    expect(embedded).toMatchObject({ backend: 'a', model: 'meta-llama/llama-3.1-8b-instruct' });
    expect(a.calls.map((record) => record.call.options.model)).toEqual(Array(3).fill('meta-llama/llama-3.1-8b-instruct'));
  });

  it('leaves the rules as they were', async () => {
    const { router, other } = setup();
    expect((await router.generate(messages, { model: 'x/model' })).backend).toBe('other');
    expect((await router.generate(messages, { model: `${PUBLIC}-instruct` })).backend).toBe('other');
    expect(router.explain('x/model')).toMatchObject({ backend: 'other', rule: { kind: 'prefix' } });
    expect(other.calls.map((record) => record.call.options.model)).toEqual(['x/model', `${PUBLIC}-instruct`]);
  });

  it('keeps the text a stream has delivered when it is read chunk by chunk', async () => {
    const { router } = setup({ config: { listeners: [] } });
    const stream = router.stream(messages, { model: PUBLIC });
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toEqual(['answer ', 'from ', 'a ']);
    expect(stream.text).toBe('answer from a ');
  });

  it('leaves a deployment whose backend cannot embed out of embeddings', async () => {
    const chatOnly = inMemoryBackend({ name: 'chat-only', embeddings: false });
    const b = scriptedBackend({ name: 'b' });
    const router = createRouter({
      backends: { chatOnly, b },
      aliases: { [PUBLIC]: alias({ deployments: [{ backend: 'chatOnly', model: 'm1' }, { backend: 'b', model: 'm2' }] }) },
      timingLog: false,
    });
    expect((await router.embed('hello', { model: PUBLIC })).backend).toBe('b');
    expect((await router.generate(messages, { model: PUBLIC })).backend).toBe('chatOnly');
    expect(router.explain(PUBLIC, 'embed')).toMatchObject({ backend: 'b', alias: { chosen: { backend: 'b' } } });
    expect(router.explain(PUBLIC, 'embed').fallbacks).toBeUndefined();
  });

  it('serves an alias with one deployment as a rule would, reliability and fallbacks included', async () => {
    const a = scriptedBackend({ name: 'a', script: [{ error: down() }] });
    const b = scriptedBackend({ name: 'b' });
    const router = createRouter({
      backends: { a, b },
      aliases: {
        plain: alias({ deployments: [{ backend: 'b', model: 'model-b' }] }),
        guarded: alias({ deployments: [{ backend: 'a', model: 'model-a' }], fallbacks: [{ backend: 'b', model: 'model-b' }] }),
      },
      timingLog: false,
    });
    expect(await router.generate(messages, { model: 'plain' })).toMatchObject({ backend: 'b', model: 'model-b' });
    expect(await router.stream(messages, { model: 'plain' }).collect()).toMatchObject({ backend: 'b', model: 'model-b' });
    expect(await router.embed('x', { model: 'plain' })).toMatchObject({ backend: 'b', model: 'model-b' });
    expect(await router.generate(messages, { model: 'guarded' })).toMatchObject({ backend: 'b', model: 'model-b', attempts: 2 });
    expect(a.calls[0]!.call.options.model).toBe('model-a');
    expect(router.explain('guarded')).toMatchObject({ backend: 'a', fallbacks: [{ backend: 'b', model: 'model-b' }], alias: { why: 'the only healthy deployment' } });
  });

  it('reports every problem of every alias at once, with the router’s own', () => {
    let error: unknown;
    try {
      createRouter({
        backends: { a: scriptedBackend({ name: 'a' }) },
        rules: [{ model: 'taken', backend: 'a' }],
        reliability: { ghost: {} },
        aliases: {
          taken: alias({ deployments: [{ backend: 'a', model: 'm' }] }),
          empty: alias({ deployments: [] }),
          bad: alias({
            deployments: [
              { backend: 'nope', model: '', weight: 0, costPerToken: -1 },
              { backend: 'a', model: 'm', reliability: { fallbacks: ['a'] } },
              { backend: 'a', model: 'm' },
            ],
            strategy: 'fastest' as never,
            seed: Number.NaN,
            fallbacks: ['ghost'],
          }),
          plain: { deployments: [] } as unknown as ModelAlias,
        },
      });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).problems).toEqual([
      'reliability.ghost is for unknown backend "ghost".',
      'aliases["taken"] hides the rule for model "taken": rename one of them.',
      'aliases["empty"].deployments must list at least one { backend, model }.',
      'aliases["bad"].deployments[0].backend is unknown backend "nope" (known: a).',
      'aliases["bad"].deployments[0].model must be the non-empty model id its backend knows.',
      'aliases["bad"].deployments[0].weight must be a positive number (got 0).',
      'aliases["bad"].deployments[0].costPerToken must be a number of at least 0 (got -1).',
      'aliases["bad"].deployments[1].reliability.fallbacks is never used: a deployment fails over to the alias\'s other deployments, then to aliases["bad"].fallbacks.',
      'aliases["bad"].deployments[2] repeats backend "a" with model "m".',
      'aliases["bad"].strategy must be one of ordered, weighted, least-busy, latency, cost, or a function (got "fastest").',
      'aliases["bad"].seed must be a finite number (got NaN).',
      'aliases["bad"].fallbacks[0] names unknown backend "ghost".',
      'aliases["plain"] must be made with alias() from @router/core/routing.',
    ]);
  });

  it('skips a deployment whose breaker is open, and explain says so', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 60_000 });
    const { router, a, b } = setup({ a: { script: [{ error: down() }] }, config: { reliability: { a: { breaker } } } });
    expect((await router.generate(messages, { model: PUBLIC })).backend).toBe('b');
    expect(breaker.state).toBe('open');
    expect((await router.generate(messages, { model: PUBLIC })).backend).toBe('b');
    expect((await router.stream(messages, { model: PUBLIC }).collect()).backend).toBe('b');
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(3);
    expect(router.explain(PUBLIC)).toMatchObject({
      backend: 'b',
      rule: { kind: 'alias', description: 'alias "llama-3.1-8b" (ordered, 2 deployments)' },
      fallbacks: [{ backend: 'a', model: 'meta-llama/llama-3.1-8b-instruct', breaker: 'open' }],
      alias: {
        strategy: 'ordered',
        deployments: [
          { backend: 'a', healthy: false, breaker: 'open', inFlight: 0 },
          { backend: 'b', healthy: true, inFlight: 0, samples: 3 },
        ],
        chosen: { backend: 'b', model: 'llama3.1:8b' },
        why: 'the only healthy deployment',
      },
    });
  });

  it('fails over to the other deployments at once, before the alias’s fallbacks', async () => {
    const { router, a, b, other, events } = setup({
      a: { script: [{ error: down() }, { error: down() }] },
      b: { script: [{ error: down() }] },
      config: { reliability: { a: { retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } } } },
      aliasConfig: { fallbacks: [{ backend: 'other', model: 'big-model' }] },
    });
    const first = await router.generate(messages, { model: PUBLIC });
    expect(first).toMatchObject({ backend: 'other', model: 'big-model', attempts: 3 });
    expect(events.filter((e) => e.type === 'fallback').map((e) => e.type === 'fallback' && `${e.backend}→${e.to}`)).toEqual(['a→b', 'b→other']);
    expect(events.some((e) => e.type === 'retry')).toBe(false);
    expect(events.find((e) => e.type === 'call-start')).toMatchObject({ backend: PUBLIC, model: PUBLIC });
    expect(events.at(-1)).toMatchObject({ type: 'call-end', servedBy: 'other', attempts: 3 });
    // The next call starts on the alias's first deployment again.
    expect((await router.generate(messages, { model: PUBLIC })).backend).toBe('b');
    expect([a.calls.length, b.calls.length, other.calls.length]).toEqual([2, 2, 1]);
  });

  it('fails a stream over only before its first chunk', async () => {
    const before = setup({ a: { script: [{ error: down() }] } });
    expect((await before.router.stream(messages, { model: PUBLIC }).collect()).backend).toBe('b');

    const after = setup({ a: { script: [{ error: down(), afterChunks: 1 }] } });
    const stream = after.router.stream(messages, { model: PUBLIC });
    const error = await stream.collect().catch((caught: unknown) => caught);
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    expect((error as StreamInterruptedError).partialText).toBe('answer ');
    expect(after.b.calls).toHaveLength(0);
    expect(after.router.explain(PUBLIC).alias?.deployments.map((d) => d.inFlight)).toEqual([0, 0]);
  });

  it('counts a stream in flight from its first read until it ends, is left, or fails', async () => {
    const { router } = setup({ a: { reply: 'one two three ' }, config: { listeners: [] } });
    const inFlight = () => router.explain(PUBLIC).alias!.deployments.map((d) => d.inFlight);
    const unread = router.stream(messages, { model: PUBLIC });
    expect(inFlight()).toEqual([0, 0]);
    const left = router.stream(messages, { model: PUBLIC });
    for await (const chunk of left) {
      expect(chunk).toBe('one ');
      expect(inFlight()).toEqual([1, 0]);
      break;
    }
    await expect(left.completion).rejects.toMatchObject({ code: 'aborted' });
    expect(inFlight()).toEqual([0, 0]);
    expect(unread.text).toBe('');
  });

  it('moves the traffic of a deployment that starts failing mid-run to the others, with no failed call', async () => {
    const breakers = { a: new CircuitBreaker({ failureThreshold: 3, coolDownMs: 60_000 }), b: new CircuitBreaker({ failureThreshold: 3, coolDownMs: 60_000 }) };
    const bOptions: ScriptedOptions = {};
    const { router, a, b } = setup({
      b: bOptions,
      config: { reliability: { a: { breaker: breakers.a }, b: { breaker: breakers.b } }, listeners: [] },
      aliasConfig: { strategy: 'weighted', seed: 3 },
    });
    const failed: unknown[] = [];
    let bAtSwitch = 0;
    const ops = ['generate', 'stream', 'embed'] as const;
    for (let round = 0; round < 30; round++) {
      if (round === 10) {
        bAtSwitch = b.calls.length;
        bOptions.step = { error: down() };
      }
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const op = ops[i % 3]!;
          const call = op === 'generate' ? router.generate(messages, { model: PUBLIC }) : op === 'stream' ? router.stream(messages, { model: PUBLIC }).collect() : router.embed('hi', { model: PUBLIC });
          return call.catch((error: unknown) => failed.push(error));
        }),
      );
    }
    expect(failed).toEqual([]);
    expect(breakers.b.state).toBe('open');
    expect(bAtSwitch).toBeGreaterThan(30);
    // Only the round in which it broke reached b; then its breaker was open and a took everything.
    expect(b.calls.length - bAtSwitch).toBeGreaterThanOrEqual(3);
    expect(b.calls.length - bAtSwitch).toBeLessThanOrEqual(10);
    expect(a.calls.length).toBe(300 - bAtSwitch);
  });
});
