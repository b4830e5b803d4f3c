import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AbortedError,
  BackendError,
  CircuitOpenError,
  QueueFullError,
  StreamInterruptedError,
  TimeoutError,
  type BreakerState,
  type RouterEvent,
} from '../../src/index.ts';
import { CircuitBreaker, ConcurrencyLimiter, type BreakerStore, type SharedBreakerState, withReliability } from '../../src/reliability.ts';
import { messages, scriptedBackend } from './scripted-backend.ts';

const down = (): BackendError => new BackendError('503', { status: 503, isRetryable: true });
/** Moves the fake clock on: the breaker's windows and cool-downs pass exactly, however busy the machine. */
const tick = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Feeds outcomes to a breaker the way the router does: enter, then exit with the verdict. */
function feed(breaker: CircuitBreaker, outcomes: (boolean | undefined)[]): void {
  for (const ok of outcomes) {
    const pass = breaker.tryEnter();
    if (!pass) throw new Error('refused');
    breaker.exit(ok, pass.probe);
  }
}

describe('CircuitBreaker', () => {
  it('opens after N failures in a row; a success in between resets the count', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3 });
    feed(breaker, [false, false, true, false, false]);
    expect(breaker.state).toBe('closed');
    feed(breaker, [false]);
    expect(breaker.state).toBe('open');
    expect(breaker.tryEnter()).toBeUndefined();
    expect(breaker.canPass()).toBe(false);
  });

  it('opens when the failure rate over the window reaches the threshold, once enough calls were seen', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 100, failureRate: 0.5, minimumCalls: 6 });
    feed(breaker, [false, true, false, true, false]);
    expect(breaker.state).toBe('closed');
    feed(breaker, [true]);
    // 3 of 6 failed.
    expect(breaker.state).toBe('open');
  });

  it('forgets outcomes older than the window', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 100, failureRate: 0.5, minimumCalls: 4, windowMs: 30 });
    feed(breaker, [false, false, false]);
    // Past the window and any bucket it may count in.
    await tick(40);
    feed(breaker, [true, true, true, false]);
    // Only the last 4 count: 1 of 4 failed.
    expect(breaker.state).toBe('closed');
  });

  it('half-opens after the cool-down with exactly one probe; its success closes it', async () => {
    const changes: [BreakerState, BreakerState][] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 30, onStateChange: (state, previous) => changes.push([previous, state]) });
    feed(breaker, [false]);
    expect(breaker.retryAfterMs).toBeGreaterThan(0);
    await tick(29);
    expect(breaker.canPass()).toBe(false);
    await tick(1);
    expect(breaker.canPass()).toBe(true);
    const probe = breaker.tryEnter();
    expect(probe).toEqual({ probe: true });
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryEnter()).toBeUndefined();
    breaker.exit(true, true);
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'closed'],
    ]);
  });

  it('a failed probe opens it again for another cool-down', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 20 });
    feed(breaker, [false]);
    await tick(25);
    breaker.exit(false, breaker.tryEnter()!.probe);
    expect(breaker.state).toBe('open');
    expect(breaker.canPass()).toBe(false);
  });

  it('a probe without a verdict (aborted) lets the next caller probe', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 10 });
    feed(breaker, [false]);
    await tick(15);
    breaker.exit(undefined, breaker.tryEnter()!.probe);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryEnter()).toEqual({ probe: true });
  });

  it('while half-open, calls that entered before it opened do not decide', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 10 });
    const early = breaker.tryEnter()!;
    feed(breaker, [false]);
    await tick(15);
    breaker.tryEnter();
    breaker.exit(true, early.probe);
    expect(breaker.state).toBe('half-open');
  });

  it('counts only failures that say the backend is unwell', () => {
    const breaker = new CircuitBreaker();
    expect(breaker.isFailure(down())).toBe(true);
    expect(breaker.isFailure(new TimeoutError('first-chunk', 10))).toBe(true);
    expect(breaker.isFailure(new StreamInterruptedError('partial', down()))).toBe(true);
    expect(breaker.isFailure(new BackendError('400', { status: 400 }))).toBe(false);
    expect(breaker.isFailure(new AbortedError())).toBe(false);
    expect(breaker.isFailure(new TimeoutError('queue', 10))).toBe(false);
  });
});

describe('breaker on a backend', () => {
  it('fails fast with CircuitOpenError once open, without calling the backend', async () => {
    const backend = scriptedBackend({ step: { error: down() } });
    const llm = withReliability(backend, { breaker: new CircuitBreaker({ failureThreshold: 2, coolDownMs: 60_000 }) });
    await expect(llm.generate(messages, { model: 'm' })).rejects.toMatchObject({ status: 503 });
    await expect(llm.generate(messages, { model: 'm' })).rejects.toMatchObject({ status: 503 });
    const error = await llm.generate(messages, { model: 'm' }).catch((e: unknown) => e);
    expect(CircuitOpenError.isInstance(error)).toBe(true);
    expect((error as CircuitOpenError).backend).toBe('scripted');
    expect((error as CircuitOpenError).retryAfterMs).toBeGreaterThan(59_000);
    expect(backend.calls).toHaveLength(2);
  });

  it('lets exactly one probe through when many calls arrive after the cool-down', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 20 });
    const backend = scriptedBackend({ script: [{ error: down() }, { delayMs: 30 }] });
    const llm = withReliability(backend, { breaker });
    await llm.generate(messages, { model: 'm' }).catch(() => undefined);
    await tick(25);
    const settling = Promise.allSettled(Array.from({ length: 5 }, () => llm.generate(messages, { model: 'm' })));
    // The probe takes 30 ms; the other four are refused meanwhile.
    await tick(30);
    const results = await settling;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && CircuitOpenError.isInstance(r.reason))).toHaveLength(4);
    expect(backend.calls).toHaveLength(2);
    expect(breaker.state).toBe('closed');
  });

  it('reports state changes as events and in explain', async () => {
    const events: RouterEvent[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 20 });
    const llm = withReliability(scriptedBackend({ script: [{ error: down() }] }), { breaker, listeners: [(e) => events.push(e)] });
    expect(llm.explain('m').breaker).toBe('closed');
    await llm.generate(messages, { model: 'm' }).catch(() => undefined);
    expect(llm.explain('m').breaker).toBe('open');
    await tick(25);
    await llm.generate(messages, { model: 'm' });
    const changes = events.filter((e) => e.type === 'breaker').map((e) => e.type === 'breaker' && [e.backend, e.previous, e.state]);
    expect(changes).toEqual([
      ['scripted', 'closed', 'open'],
      ['scripted', 'open', 'half-open'],
      ['scripted', 'half-open', 'closed'],
    ]);
  });

  it('a call the limiter refuses, or that is aborted while queued, says nothing about the backend', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1 });
    const limiter = new ConcurrencyLimiter({ limit: 1, maxQueue: 1 });
    const held = await limiter.acquire();
    const llm = withReliability(scriptedBackend(), { breaker, limiter });
    const controller = new AbortController();
    const queued = llm.generate(messages, { model: 'm', signal: controller.signal }).catch((e: unknown) => e);
    await expect(llm.generate(messages, { model: 'm' })).rejects.toSatisfy(QueueFullError.isInstance);
    controller.abort();
    expect(AbortedError.isInstance(await queued)).toBe(true);
    expect(breaker.state).toBe('closed');
    held.release();
    // The breaker still has its one allowed failure left: a success now keeps it closed.
    await llm.generate(messages, { model: 'm' });
    expect(breaker.state).toBe('closed');
  });

  it('a stream that fails mid-way counts against the backend; one the caller leaves does not', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1 });
    const backend = scriptedBackend({ reply: 'a b c ', script: [{}, { error: down(), afterChunks: 1 }] });
    const llm = withReliability(backend, { breaker });
    for await (const _ of llm.stream(messages, { model: 'm' })) break;
    expect(breaker.state).toBe('closed');
    await expect(llm.stream(messages, { model: 'm' }).collect()).rejects.toSatisfy(StreamInterruptedError.isInstance);
    expect(breaker.state).toBe('open');
  });
});

describe('CircuitBreaker with a shared store', () => {
  /** A store two breakers share, as two processes would through Redis: the first to ask gets the probe. */
  function sharedStore(): BreakerStore {
    const changes = new Map<string, SharedBreakerState>();
    const probes = new Map<string, BreakerStore>();
    return {
      read: (key) => changes.get(key),
      write: (key, change) => void changes.set(key, change),
      probe(key, openedAt) {
        const claim = `${key}@${openedAt}`;
        if (!probes.has(claim)) probes.set(claim, this);
        return probes.get(claim) === this;
      },
    };
  }

  it('opens in every process when one opens it, lets exactly one take the probe, and closes everywhere when it succeeds', () => {
    const shared = sharedStore();
    // Each process has its own view of the store, so the probe can tell them apart.
    const here = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 1_000, store: { ...shared }, key: 'b' });
    const elsewhere = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 1_000, store: { ...shared }, key: 'b' });
    feed(here, [false, false]);
    expect(elsewhere.canPass()).toBe(false);
    expect(elsewhere.state).toBe('open');
    vi.advanceTimersByTime(1_000);
    const probe = elsewhere.tryEnter();
    expect(probe).toEqual({ probe: true });
    expect(here.tryEnter()).toBeUndefined();
    elsewhere.exit(true, true);
    expect(here.state).toBe('closed');
    expect(here.tryEnter()).toEqual({ probe: false });
  });

  it('keeps a key per breaker: another key stays closed', () => {
    const shared = sharedStore();
    const a = new CircuitBreaker({ failureThreshold: 1, store: shared, key: 'a' });
    const b = new CircuitBreaker({ failureThreshold: 1, store: shared, key: 'b' });
    feed(a, [false]);
    expect(a.state).toBe('open');
    expect(b.canPass()).toBe(true);
  });
});
