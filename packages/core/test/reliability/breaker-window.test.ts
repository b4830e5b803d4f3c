import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions } from '../../src/reliability.ts';

/** A window of 1 s counts in ten buckets of 100 ms; the clock starts on a bucket boundary. */
const start = 10_000;
const rateOnly: CircuitBreakerOptions = { failureThreshold: 1_000_000, failureRate: 0.5, minimumCalls: 4, windowMs: 1_000 };

/** Feeds outcomes at the fake clock's current time, the way the router does: enter, then exit. */
function feed(breaker: CircuitBreaker, outcomes: boolean[]): void {
  for (const ok of outcomes) {
    const pass = breaker.tryEnter();
    if (!pass) throw new Error('refused');
    breaker.exit(ok, pass.probe);
  }
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(start);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('CircuitBreaker failure-rate window (time buckets)', () => {
  it('still counts an outcome 0.9 × windowMs later (its bucket is one of the last ten)', () => {
    const breaker = new CircuitBreaker(rateOnly);
    vi.setSystemTime(start + 50);
    feed(breaker, [false, false, false]);
    vi.setSystemTime(start + 999);
    feed(breaker, [true]);
    // 3 of 4 failed.
    expect(breaker.state).toBe('open');
  });

  it('forgets an outcome with its whole bucket, up to a tenth of the window early', () => {
    const breaker = new CircuitBreaker(rateOnly);
    vi.setSystemTime(start + 50);
    feed(breaker, [false, false, false]);
    // 950 ms later, but in the eleventh bucket: the failures' bucket has left the window.
    vi.setSystemTime(start + 1_000);
    feed(breaker, [true]);
    expect(breaker.state).toBe('closed');
    feed(breaker, [false, false, true]);
    // Only this bucket counts: 2 of 4 failed.
    expect(breaker.state).toBe('open');
  });

  it('a long quiet spell empties the window, however many buckets it skips', () => {
    const breaker = new CircuitBreaker(rateOnly);
    feed(breaker, [false, false, false]);
    vi.setSystemTime(start + 3_700);
    feed(breaker, [true, true, true, false]);
    expect(breaker.state).toBe('closed');
  });

  it('keeps exact totals over 10,000 calls spread across the buckets', () => {
    // One failure in ten; the rate trips at 10% only once the window holds 10,000 calls.
    const options = { failureThreshold: 1_000_000, failureRate: 0.1, minimumCalls: 10_000, windowMs: 1_000 };
    const breaker = new CircuitBreaker(options);
    const strict = new CircuitBreaker({ ...options, failureRate: 0.1001 });
    for (let i = 0; i < 10_000; i++) {
      vi.setSystemTime(start + Math.floor(i * 0.099));
      feed(breaker, [i % 10 !== 9]);
      feed(strict, [i % 10 !== 9]);
      if (i < 9_999) expect(breaker.state).toBe('closed');
    }
    expect(breaker.state).toBe('open');
    expect(strict.state).toBe('closed');
  });

  it('a state change empties the window', () => {
    const breaker = new CircuitBreaker({ ...rateOnly, coolDownMs: 100 });
    feed(breaker, [false, false, true, true]);
    expect(breaker.state).toBe('open');
    vi.setSystemTime(start + 150);
    const probe = breaker.tryEnter();
    breaker.exit(true, probe!.probe);
    expect(breaker.state).toBe('closed');
    // The two failures before the probe are gone: 1 of 4 failed.
    feed(breaker, [false, true, true, true]);
    expect(breaker.state).toBe('closed');
  });
});
