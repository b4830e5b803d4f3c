/** What one operation reports besides its duration. */
export interface OpResult {
  /** Milliseconds to the first chunk (streams). */
  ttftMs?: number;
  /** Chunks received (streams). */
  chunks?: number;
}

/** One of the things compared: a label and one operation (a call, a stream). */
export interface Variant {
  label: string;
  op: () => Promise<OpResult>;
}

export interface RoundPlan {
  rounds: number;
  /** Operations per variant per round. */
  perRound: number;
  /** Operations per variant before measuring (JIT, connections). */
  warmup: number;
  /** Operations in flight at once (default 1: one after another). */
  concurrency?: number;
}

/** Everything measured for one variant over all its rounds. */
export interface Samples {
  label: string;
  /** Duration of every operation, in milliseconds. */
  latencyMs: number[];
  ttftMs: number[];
  /** Per round: CPU time of this process (user + system) per operation, in microseconds. */
  cpuUsPerOp: number[];
  /** Per round: CPU microseconds per chunk (streams). */
  cpuUsPerChunk: number[];
  /** Per round: operations completed per second of wall time. */
  opsPerSecond: number[];
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Runs `count` operations, `concurrency` at a time. */
async function runOps(op: Variant['op'], count: number, concurrency: number, onResult: (result: OpResult, ms: number) => void): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      const begin = performance.now();
      const result = await op();
      onResult(result, performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

async function runRound(variant: Variant, samples: Samples, plan: RoundPlan): Promise<void> {
  // Garbage left by the previous round is collected here, outside the measurement.
  gc();
  let chunks = 0;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await runOps(variant.op, plan.perRound, plan.concurrency ?? 1, (result, ms) => {
    samples.latencyMs.push(ms);
    if (result.ttftMs !== undefined) samples.ttftMs.push(result.ttftMs);
    chunks += result.chunks ?? 0;
  });
  const wallMs = performance.now() - wallBefore;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuUs = cpu.user + cpu.system;
  samples.cpuUsPerOp.push(cpuUs / plan.perRound);
  if (chunks > 0) samples.cpuUsPerChunk.push(cpuUs / chunks);
  samples.opsPerSecond.push((plan.perRound / wallMs) * 1000);
}

/**
 * Measures the variants in alternating rounds: each round runs every
 * variant once, and the order rotates from round to round, so drift in the
 * machine (frequency, other load, heap growth) falls on all of them alike.
 */
export async function alternate(variants: readonly Variant[], plan: RoundPlan): Promise<Samples[]> {
  const all = variants.map((v): Samples => ({ label: v.label, latencyMs: [], ttftMs: [], cpuUsPerOp: [], cpuUsPerChunk: [], opsPerSecond: [] }));
  for (const variant of variants) await runOps(variant.op, plan.warmup, plan.concurrency ?? 1, () => {});
  for (let round = 0; round < plan.rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const at = (i + round) % variants.length;
      await runRound(variants[at]!, all[at]!, plan);
    }
  }
  return all;
}
