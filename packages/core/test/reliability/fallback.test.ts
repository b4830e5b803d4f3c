import { describe, expect, it } from 'vitest';
import {
  BackendError,
  ConfigurationError,
  createRouter,
  QueueFullError,
  StreamInterruptedError,
  TimeoutError,
  type RouterConfig,
  type RouterEvent,
} from '../../src/index.ts';
import { CircuitBreaker, ConcurrencyLimiter } from '../../src/reliability.ts';
import { messages, scriptedBackend, type Step } from './scripted-backend.ts';

const down = (retryAfterMs?: number): BackendError =>
  new BackendError('503', { status: 503, isRetryable: true, ...(retryAfterMs !== undefined && { retryAfterMs }) });

/** The seed's shape: a fast classifier backend falling back to the narrative backend's model. */
function seedLike(overrides: Partial<RouterConfig> = {}, classifierScript: Step[] = [{ error: down() }]) {
  const classifier = scriptedBackend({ name: 'classifier', script: classifierScript });
  const narrative = scriptedBackend({ name: 'narrative', reply: 'narrated ' });
  const events: RouterEvent[] = [];
  const router = createRouter({
    backends: { classifier, narrative },
    rules: [{ model: 'big-model', backend: 'narrative' }],
    default: 'classifier',
    reliability: { classifier: { fallbacks: [{ backend: 'narrative', model: 'big-model' }] } },
    listeners: [(e) => events.push(e)],
    timingLog: false,
    ...overrides,
  });
  return { router, classifier, narrative, events };
}

describe('fallback', () => {
  it('moves to the next backend, with its own model id, on a retryable error', async () => {
    const { router, narrative, events } = seedLike();
    const completion = await router.generate(messages, { model: 'small-model' });
    expect(completion).toMatchObject({ backend: 'narrative', text: 'narrated ', attempts: 2 });
    expect(narrative.calls[0]!.call.options.model).toBe('big-model');
    expect(events.find((e) => e.type === 'fallback')).toMatchObject({ backend: 'classifier', model: 'small-model', to: 'narrative', toModel: 'big-model', error: { status: 503 } });
    expect(events.at(-1)).toMatchObject({ type: 'call-end', backend: 'classifier', servedBy: 'narrative', attempts: 2 });
  });

  it('does not fall back on an error no backend can fix', async () => {
    const { router, narrative } = seedLike({}, [{ error: new BackendError('400', { status: 400 }) }]);
    await expect(router.generate(messages, { model: 'small-model' })).rejects.toMatchObject({ status: 400 });
    expect(narrative.calls).toHaveLength(0);
  });

  it('skips the backoff when the fallback can serve at once', async () => {
    const { router, events } = seedLike({
      reliability: { classifier: { retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 }, fallbacks: ['narrative'] } },
    });
    await router.generate(messages, { model: 'small-model' });
    expect(events.some((e) => e.type === 'retry')).toBe(false);
    expect(events.some((e) => e.type === 'fallback')).toBe(true);
  });

  it('retries the primary first when the fallback would have to queue, then falls back when retries run out', async () => {
    const busy = new ConcurrencyLimiter({ limit: 1 });
    const held = await busy.acquire();
    const events: RouterEvent[] = [];
    let fellBack = (): void => {};
    const fallbackStarted = new Promise<void>((resolve) => (fellBack = resolve));
    const { router, classifier } = seedLike(
      {
        reliability: {
          classifier: { retry: { baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 2 }, fallbacks: ['narrative'] },
          narrative: { limiter: busy },
        },
        listeners: [
          (e) => {
            events.push(e);
            if (e.type === 'fallback') fellBack();
          },
        ],
      },
      [{ error: down() }, { error: down() }],
    );
    const pending = router.generate(messages, { model: 'small-model' });
    // The narrative slot stays taken until the router has given up on the classifier.
    await fallbackStarted;
    held.release();
    const completion = await pending;
    expect(classifier.calls).toHaveLength(2);
    expect(completion.backend).toBe('narrative');
    expect(events.filter((e) => e.type === 'retry' || e.type === 'fallback').map((e) => e.type)).toEqual(['retry', 'fallback']);
  });

  it('falls back from an open breaker and from a full queue', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 60_000 });
    breaker.exit(false, breaker.tryEnter()!.probe);
    const open = seedLike({ reliability: { classifier: { breaker, fallbacks: ['narrative'] } } }, []);
    expect((await open.router.generate(messages, { model: 'x' })).backend).toBe('narrative');
    expect(open.classifier.calls).toHaveLength(0);
    expect(open.events.find((e) => e.type === 'fallback')).toMatchObject({ error: { code: 'circuit-open' } });

    const full = new ConcurrencyLimiter({ limit: 1, maxQueue: 0 });
    const held = await full.acquire();
    const queued = seedLike({ reliability: { classifier: { limiter: full, fallbacks: ['narrative'] } } }, []);
    expect((await queued.router.generate(messages, { model: 'x' })).backend).toBe('narrative');
    expect(queued.events.find((e) => e.type === 'fallback')).toMatchObject({ error: { code: 'queue-full' } });
    held.release();
  });

  it('without a fallback, a full queue surfaces as QueueFullError', async () => {
    const full = new ConcurrencyLimiter({ limit: 1, maxQueue: 0 });
    const held = await full.acquire();
    const { router } = seedLike({ reliability: { classifier: { limiter: full } } }, []);
    await expect(router.generate(messages, { model: 'x' })).rejects.toSatisfy(QueueFullError.isInstance);
    held.release();
  });

  it('fallbackOn decides which errors move the call', async () => {
    const { router, narrative } = seedLike({
      reliability: { classifier: { fallbacks: ['narrative'], fallbackOn: (error) => error.status === 400 } },
    }, [{ error: new BackendError('400', { status: 400 }) }]);
    expect((await router.generate(messages, { model: 'x' })).backend).toBe('narrative');
    expect(narrative.calls).toHaveLength(1);
  });

  it('a rule overrides its backend: its own fallbacks and retry', async () => {
    const classifier = scriptedBackend({ name: 'classifier', script: [{ error: down() }] });
    const narrative = scriptedBackend({ name: 'narrative' });
    const local = scriptedBackend({ name: 'local' });
    const router = createRouter({
      backends: { classifier, narrative, local },
      rules: [{ prefix: 'tiny/', backend: 'classifier', fallbacks: [{ backend: 'local', model: 'mlx-community/tiny' }] }],
      default: 'classifier',
      reliability: { classifier: { fallbacks: ['narrative'] } },
      timingLog: false,
    });
    const completion = await router.generate(messages, { model: 'tiny/x' });
    expect(completion.backend).toBe('local');
    expect(local.calls[0]!.call.options.model).toBe('mlx-community/tiny');
    expect(router.explain('tiny/x').fallbacks).toEqual([{ backend: 'local', model: 'mlx-community/tiny' }]);
    expect(router.explain('other').fallbacks).toEqual([{ backend: 'narrative', model: 'other' }]);
  });

  it('a rule setting left undefined keeps its backend\'s', async () => {
    const { router } = seedLike({ rules: [{ prefix: 'x/', backend: 'classifier', fallbacks: undefined, retry: undefined }] });
    expect(router.explain('x/1').fallbacks).toEqual([{ backend: 'narrative', model: 'big-model' }]);
    expect((await router.generate(messages, { model: 'x/1' })).backend).toBe('narrative');
  });

  it('shares the deadline: the fallback gets only what is left', async () => {
    const { router, classifier, narrative } = seedLike({}, [{ delayMs: 60, error: down() }]);
    await router.generate(messages, { model: 'x', timeoutMs: 500 });
    const [primary] = classifier.calls;
    const [fallback] = narrative.calls;
    // What the fallback was handed is what the primary had, less the time between the two (1 ms for Date.now()'s steps).
    const between = fallback!.at - primary!.at;
    expect(between).toBeGreaterThan(0);
    expect(fallback!.remainingMs).toBeLessThanOrEqual(primary!.remainingMs - between + 1);
  });

  it('a deadline that runs out on the primary fails the call: no fallback after the deadline', async () => {
    const { router, narrative } = seedLike({}, [{ hang: true }]);
    const error = await router.generate(messages, { model: 'x', timeoutMs: 40 }).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error) && error.phase).toBe('total');
    expect(narrative.calls).toHaveLength(0);
  });

  it('a per-attempt limit on the primary leaves time for the fallback', async () => {
    const { router, narrative } = seedLike(
      { reliability: { classifier: { attemptTimeoutMs: 30, fallbacks: ['narrative'] } } },
      [{ hang: true }],
    );
    const completion = await router.generate(messages, { model: 'x', timeoutMs: 2000 });
    expect(completion.backend).toBe('narrative');
    expect(narrative.calls).toHaveLength(1);
  });

  it('a stream fails over before its first chunk, never after', async () => {
    const before = seedLike();
    const stream = before.router.stream(messages, { model: 'x' });
    let text = '';
    for await (const chunk of stream) text += chunk;
    expect(text).toBe('narrated ');
    expect((await stream.completion).backend).toBe('narrative');

    const after = seedLike({}, [{ error: down(), afterChunks: 1 }]);
    const error = await after.router.stream(messages, { model: 'x' }).collect().catch((e: unknown) => e);
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    expect((error as StreamInterruptedError).partialText).toBe('answer ');
    expect(after.narrative.calls).toHaveLength(0);
  });

  it('embeddings fall back too', async () => {
    const primary = scriptedBackend({ name: 'primary', script: [{ error: down() }] });
    const spare = scriptedBackend({ name: 'spare' });
    const router = createRouter({
      backends: { primary, spare },
      default: 'primary',
      reliability: { primary: { fallbacks: ['spare'] } },
      timingLog: false,
    });
    const result = await router.embed(['text', 'more'], { model: 'e' });
    expect(result).toMatchObject({ backend: 'spare', attempts: 2, embeddings: [[4], [4]] });
  });
});

describe('explain and configuration', () => {
  it('explain shows the fallback chain with each breaker state', () => {
    const breaker = new CircuitBreaker();
    const { router } = seedLike({
      reliability: { classifier: { breaker, fallbacks: [{ backend: 'narrative', model: 'big-model' }] }, narrative: { breaker: new CircuitBreaker() } },
    });
    expect(router.explain('small-model')).toMatchObject({
      backend: 'classifier',
      breaker: 'closed',
      fallbacks: [{ backend: 'narrative', model: 'big-model', breaker: 'closed' }],
    });
    expect(router.explain('big-model').fallbacks).toBeUndefined();
  });

  it('reports unknown backends in reliability settings and fallbacks, all at once', () => {
    const a = scriptedBackend({ name: 'a' });
    let error: unknown;
    try {
      createRouter({
        backends: { a },
        rules: [{ prefix: 'x/', backend: 'a', fallbacks: ['nope'] }],
        default: 'a',
        reliability: { a: { fallbacks: [{ backend: 'gone' }] }, ghost: {} },
      });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).problems).toEqual([
      'rules[0].fallbacks[0] names unknown backend "nope".',
      'reliability.a.fallbacks[0] names unknown backend "gone".',
      'reliability.ghost is for unknown backend "ghost".',
    ]);
  });

  it('routes without reliability settings call their backend directly', async () => {
    const a = scriptedBackend({ name: 'a' });
    const router = createRouter({ backends: { a }, default: 'a', timingLog: false });
    // No chain: the deadline the backend sees is the caller's own (a chain would pass its scope's absolute deadline).
    await router.generate(messages, { model: 'm', timeoutMs: 1000 });
    expect(a.calls[0]!.call.options).toMatchObject({ timeoutMs: 1000 });
    expect(a.calls[0]!.call.options.deadline).toBeUndefined();
    expect(router.explain('m')).toEqual({ model: 'm', table: 'chat', backend: 'a', rule: { kind: 'default', description: 'the default backend' } });
  });
});
