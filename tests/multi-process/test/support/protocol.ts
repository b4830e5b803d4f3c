import type { CircuitBreakerOptions, RateLimiterOptions } from '@router/core/reliability';
import type { SharedPlanConfig } from './plan.ts';

/** What a worker is started with (as JSON in `WORKER_CONFIG`). */
export interface WorkerConfig extends SharedPlanConfig {
  onRedisDown: 'open' | 'closed';
  localShare: number;
  breaker?: Pick<CircuitBreakerOptions, 'failureThreshold' | 'coolDownMs'>;
  rate?: Pick<RateLimiterOptions, 'requestsPerMinute' | 'maxWaitMs'>;
  /**
   * A `least-busy` alias of this name serving `model` on two deployments: the
   * Featherless route (its limiter as above) and a second Featherless backend,
   * `featherless-b`, with a limiter of its own on the same store.
   */
  alias?: { name: string; model: string };
}

/** Parent to worker: run `calls` calls at once. */
export interface RunRequest {
  type: 'run';
  calls: number;
  model: string;
  /** `mixed`: every other call a stream; `generate`: only generate. */
  kinds: 'mixed' | 'generate';
  /** Each call starts when the one before has ended. Default: all at once. */
  oneAtATime?: boolean;
}

/** Parent to worker: what a worker is asked. */
export type ParentMessage = RunRequest | { type: 'state' } | { type: 'explain'; model: string };

export type WorkerMessage =
  | { type: 'ready'; processId: string }
  /** Outcomes by kind (`ok`, or an error's code and status), and when the first call was served (epoch ms). */
  | { type: 'done'; outcomes: Record<string, number>; firstServedAt: number | undefined; servedBy: Record<string, number> }
  /** The breaker as this process sees it. */
  | { type: 'state'; state: string; retryAfterMs: number }
  /** An alias's deployments as this process's `explain` shows them. */
  | { type: 'explained'; deployments: { backend: string; inFlight: number; inUse: number | undefined }[] };
