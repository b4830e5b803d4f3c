import type { Counter, Gauge, Histogram, Meter } from '@opentelemetry/api';
import type { BreakerState } from '@router/core';

/** Bucket boundaries the GenAI conventions advise, in seconds and in tokens. */
const durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** A gauge needs numbers: 0 lets calls through, 1 lets one probe through, 2 refuses. */
export const breakerLevel: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };

/** The instruments, made once per listener. */
export interface Instruments {
  duration: Histogram;
  tokens: Histogram;
  timeToFirstChunk: Histogram;
  attempts: Histogram;
  retries: Counter;
  fallbacks: Counter;
  limiterWait: Histogram;
  breakerState: Gauge;
}

export function createInstruments(meter: Meter): Instruments {
  const seconds = (name: string, description: string): Histogram =>
    meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: durationBuckets } });
  return {
    duration: seconds('gen_ai.client.operation.duration', 'Duration of a GenAI call, every attempt and fallback included.'),
    tokens: meter.createHistogram('gen_ai.client.token.usage', {
      unit: '{token}',
      description: 'Tokens used per call, by gen_ai.token.type.',
      advice: { explicitBucketBoundaries: tokenBuckets },
    }),
    timeToFirstChunk: seconds('gen_ai.client.operation.time_to_first_chunk', 'Time from the start of a streamed call to its first chunk.'),
    attempts: meter.createHistogram('router.call.attempts', {
      unit: '{attempt}',
      description: 'Attempts per call, retries and fallbacks included.',
      advice: { explicitBucketBoundaries: [1, 2, 3, 4, 6, 8] },
    }),
    retries: meter.createCounter('router.retries', { unit: '{retry}', description: 'Attempts retried on the same backend.' }),
    fallbacks: meter.createCounter('router.fallbacks', { unit: '{fallback}', description: 'Calls moved to the next backend of their fallback chain.' }),
    limiterWait: seconds('router.limiter.wait', 'Time a call waited for a concurrency slot, when it waited.'),
    breakerState: meter.createGauge('router.breaker.state', {
      unit: '1',
      description: 'Circuit breaker state per backend: 0 closed, 1 half-open, 2 open.',
    }),
  };
}
