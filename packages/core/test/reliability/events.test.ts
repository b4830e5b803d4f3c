import { describe, expect, it } from 'vitest';
import { BackendError, createRouter, createTimingLog, type RouterEvent } from '../../src/index.ts';
import { CircuitBreaker, ConcurrencyLimiter } from '../../src/reliability.ts';
import { messages, scriptedBackend } from './scripted-backend.ts';

const down = (retryAfterMs?: number): BackendError =>
  new BackendError('503 overloaded: secret body text', { status: 503, isRetryable: true, ...(retryAfterMs !== undefined && { retryAfterMs }) });

/** Primary fails twice (one retry, then a fallback), the fallback queues behind a held slot. */
async function eventfulCall(listener: (event: RouterEvent) => void): Promise<void> {
  const limiter = new ConcurrencyLimiter({ limit: 1 });
  const held = await limiter.acquire();
  // Freed only once the call has moved to the fallback, so the fallback always queues, however slow the machine.
  const release = (event: RouterEvent): void => {
    if (event.type === 'fallback') setImmediate(() => held.release());
  };
  const router = createRouter({
    backends: {
      classifier: scriptedBackend({ name: 'classifier', script: [{ error: down(5) }, { error: down() }] }),
      narrative: scriptedBackend({ name: 'narrative' }),
    },
    default: 'classifier',
    reliability: {
      classifier: { retry: { maxAttempts: 2 }, breaker: new CircuitBreaker({ failureThreshold: 2 }), fallbacks: [{ backend: 'narrative', model: 'big' }] },
      narrative: { limiter },
    },
    listeners: [listener, release],
    timingLog: false,
  });
  await router.generate(messages, { model: 'small' });
}

describe('reliability events', () => {
  it('report every attempt, retry, fallback, queue wait and breaker change, on the call id of the call', async () => {
    const events: RouterEvent[] = [];
    await eventfulCall((e) => events.push(e));
    expect(events.map((e) => [e.type, e.backend])).toEqual([
      ['call-start', 'classifier'],
      ['attempt-start', 'classifier'],
      ['attempt-end', 'classifier'],
      ['retry', 'classifier'],
      ['attempt-start', 'classifier'],
      ['breaker', 'classifier'],
      ['attempt-end', 'classifier'],
      ['fallback', 'classifier'],
      ['queue-wait', 'narrative'],
      ['attempt-start', 'narrative'],
      ['attempt-end', 'narrative'],
      ['call-end', 'classifier'],
    ]);
    expect(new Set(events.map((e) => e.callId)).size).toBe(1);
    const byType = <T extends RouterEvent['type']>(type: T) => events.find((e) => e.type === type) as Extract<RouterEvent, { type: T }>;
    expect(byType('retry')).toMatchObject({ attempt: 1, delayMs: 5, error: { status: 503 } });
    expect(byType('fallback')).toMatchObject({ model: 'small', to: 'narrative', toModel: 'big' });
    expect(byType('breaker')).toMatchObject({ previous: 'closed', state: 'open' });
    expect(byType('queue-wait').waitMs).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'attempt-start').map((e) => e.type === 'attempt-start' && e.attempt)).toEqual([1, 2, 3]);
    expect(events.find((e) => e.type === 'attempt-end' && e.backend === 'narrative')).not.toHaveProperty('error');
    expect(byType('call-end')).toMatchObject({ servedBy: 'narrative', attempts: 3 });
  });

  it('the text timing log prints retries, fallbacks, queue waits and breaker changes, without error bodies', async () => {
    const lines: string[] = [];
    await eventfulCall(createTimingLog({ format: 'text', write: (line) => lines.push(line) }));
    expect(lines).toEqual([
      'LLM generate START [classifier] small in_chars=5',
      expect.stringMatching(/^LLM retry \[classifier\] small after attempt 1 in 0\.01s error=BackendError\(backend 503\)$/),
      'LLM breaker [classifier] closed -> open',
      expect.stringMatching(/^LLM fallback \[classifier\] small -> \[narrative\] big error=BackendError\(backend 503\)$/),
      expect.stringMatching(/^LLM queue \[narrative\] big waited \d\.\d\ds$/),
      expect.stringMatching(/^LLM generate END \[classifier\] small \d\.\d\ds in_chars=5 out_chars=\d+ attempts=3 served_by=narrative$/),
    ]);
    expect(lines.join('\n')).not.toContain('secret');
  });

  it('the JSON timing log has one object per event, with errors reduced to their kind', async () => {
    const lines: string[] = [];
    await eventfulCall(createTimingLog({ format: 'json', write: (line) => lines.push(line) }));
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.event)).toContain('attempt-start');
    expect(records.find((r) => r.event === 'fallback')).toMatchObject({
      backend: 'classifier',
      to: 'narrative',
      toModel: 'big',
      error: { name: 'BackendError', code: 'backend', status: 503, retryable: true },
    });
    expect(records.find((r) => r.event === 'retry')).toMatchObject({ delayMs: 5 });
    expect(lines.join('\n')).not.toContain('secret');
  });

  it('a listener added later sees the events of later calls (the chain reads the live list)', async () => {
    const router = createRouter({
      backends: { a: scriptedBackend({ name: 'a', script: [{ error: down() }] }) },
      default: 'a',
      reliability: { a: { retry: { baseDelayMs: 1, maxDelayMs: 1 } } },
      timingLog: false,
    });
    await router.generate(messages, { model: 'm' });
    const events: RouterEvent[] = [];
    router.subscribe((e) => events.push(e));
    await router.generate(messages, { model: 'm' });
    expect(events.map((e) => e.type)).toEqual(['call-start', 'attempt-start', 'attempt-end', 'call-end']);
  });
});
