/**
 * Run in a fresh process by the breaker case: what one call costs a circuit
 * breaker with a failure-rate window, by how many calls the window already
 * holds. Batches of the levels interleave, so drift falls on all alike.
 */
import { CircuitBreaker } from '@router/core/reliability';

export interface BreakerTask {
  /** Calls already in the window at each level. */
  levels: number[];
  /** Timed batches per level. */
  batches: number;
  /** Calls per timed batch. */
  callsPerBatch: number;
}

/** Nanoseconds per call, `perCallNs[level][batch]`. */
export interface BreakerResult {
  perCallNs: number[][];
}

/** One call as the router makes it: enter, then report the outcome (one in ten fails: the breaker never opens). */
function call(breaker: CircuitBreaker, i: number): void {
  const pass = breaker.tryEnter();
  if (!pass) throw new Error('the breaker opened: the bench would measure refusals');
  breaker.exit(i % 10 !== 0, pass.probe);
}

function batch(inWindow: number, calls: number): number {
  // An hour's window at a 50% rate: everything below stays in it, and it never trips.
  const breaker = new CircuitBreaker({ failureRate: 0.5, minimumCalls: 10, windowMs: 3_600_000, failureThreshold: Number.MAX_SAFE_INTEGER });
  for (let i = 0; i < inWindow; i++) call(breaker, i);
  const start = performance.now();
  for (let i = 0; i < calls; i++) call(breaker, i);
  return ((performance.now() - start) * 1e6) / calls;
}

const task = JSON.parse(process.argv[2] ?? '{}') as BreakerTask;
// Warm-up: the JIT settles on the same code before the first timed batch.
for (let i = 0; i < 20; i++) batch(task.levels[0]!, task.callsPerBatch);
const perCallNs = task.levels.map((): number[] => []);
for (let b = 0; b < task.batches; b++) {
  for (const [l, level] of task.levels.entries()) perCallNs[l]!.push(batch(level, task.callsPerBatch));
}
process.stdout.write(`${JSON.stringify({ perCallNs } satisfies BreakerResult)}\n`);
