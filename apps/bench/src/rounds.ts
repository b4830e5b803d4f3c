import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { benchScript, spawnNode } from './node-process.ts';
import type { SimulatorURLs } from './simulator/process.ts';
import type { RunCommand, RunReport, VariantSpec, WorkerSetup } from './variant.ts';

/**
 * How long to measure. Rounds are timed rather than counted, so that each is
 * long enough to measure whatever one operation costs (a 2 ms call or a
 * 50 ms stream), and the warm-up long enough for the JIT to settle.
 */
export interface RoundPlan {
  /**
   * Worker processes per variant. Identical processes differ by several
   * percent on a virtual machine (placement, memory layout); several per
   * side average that out, and their spread says how far a ratio can be trusted.
   */
  processes: number;
  /**
   * `separate` (default): each variant in processes of its own, for sides
   * whose code should not share JIT feedback (the SDK directly vs a router).
   * `shared`: every process hosts every variant, so that ratios are taken
   * within one process and the differences between processes cancel: for
   * variants of the same code (the router with and without hooks).
   */
  placement?: 'separate' | 'shared';
  rounds: number;
  /** Milliseconds each variant runs per round. */
  roundMs: number;
  /** Milliseconds every worker runs before measuring (JIT, connections); all warm up at once. */
  warmupMs: number;
  /** Operations in flight at once (default 1: one after another). */
  concurrency?: number;
}

/** Everything measured for one variant: each of its processes' runs, round by round. */
export interface Samples {
  label: string;
  /** `runs[process][round]`. */
  runs: RunReport[][];
}

/** A worker process running one variant; one command at a time. */
class VariantWorker {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  #waiting: { resolve(line: string): void; reject(error: Error): void } | undefined;
  #exited: Error | undefined;
  #stderr = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (this.#stderr += text));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (waiting) waiting.resolve(line);
      else this.#lines.push(line);
    });
    child.once('exit', (code) => {
      this.#exited = new Error(`a benchmark worker exited (${String(code)}):\n${this.#stderr.trim()}`);
      this.#waiting?.reject(this.#exited);
    });
  }

  static async start(setup: WorkerSetup): Promise<VariantWorker> {
    const worker = new VariantWorker(spawnNode([benchScript('./round-worker.ts'), JSON.stringify(setup)]));
    await worker.#next();
    return worker;
  }

  async run(command: RunCommand): Promise<RunReport> {
    this.#child.stdin!.write(`${JSON.stringify(command)}\n`);
    return (await this.#next()) as unknown as RunReport;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#exited) return;
    const exited = once(this.#child, 'exit');
    this.#child.stdin!.end();
    await exited;
  }

  /** The worker's next message; a reported error or an early exit rejects with what the worker said. */
  async #next(): Promise<Record<string, unknown>> {
    const line =
      this.#lines.shift() ??
      (await new Promise<string>((resolve, reject) => {
        if (this.#exited) reject(this.#exited);
        else this.#waiting = { resolve, reject };
      }));
    const message = JSON.parse(line) as Record<string, unknown>;
    if (typeof message.error === 'string') throw new Error(`a benchmark worker failed: ${message.error}`);
    return message;
  }
}

/** Variants running in their worker processes, ready to be measured (several times, e.g. at rising concurrency). */
export interface OpenVariants {
  /**
   * Measures the variants in alternating rounds: each round runs every
   * variant in every process once, one after another, and the order
   * rotates from round to round, so drift in the machine (frequency, other
   * load) and the position in a round fall on all of them alike.
   */
  measure(plan: Omit<RoundPlan, 'processes' | 'placement'>): Promise<Samples[]>;
  close(): Promise<void>;
}

/** Where one variant runs in one process: the worker, and the variant's index among the worker's own. */
interface Slot {
  worker: VariantWorker;
  variant: number;
}

/**
 * Starts the worker processes: `processes` per variant, or with
 * `placement: 'shared'`, `processes` that each host every variant.
 */
export async function openVariants(urls: SimulatorURLs, specs: readonly VariantSpec[], plan: Pick<RoundPlan, 'processes' | 'placement'>): Promise<OpenVariants> {
  const processes = Array.from({ length: plan.processes }, (_, p) => p);
  let workers: VariantWorker[];
  let slots: Slot[][];
  if (plan.placement === 'shared') {
    workers = await Promise.all(processes.map(() => VariantWorker.start({ specs: [...specs], urls })));
    slots = specs.map((_, v) => workers.map((worker) => ({ worker, variant: v })));
  } else {
    const groups = await Promise.all(specs.map((spec) => Promise.all(processes.map(() => VariantWorker.start({ specs: [spec], urls })))));
    workers = groups.flat();
    slots = groups.map((group) => group.map((worker) => ({ worker, variant: 0 })));
  }
  const variants = specs.map((_, v) => v);
  const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length]!);
  /**
   * Round `r` goes through the processes, and within each the variants, both
   * rotated by `r`: over a multiple of the variant count every variant has
   * had every position once, so none is always the first to run after
   * another process ran (a position that was seen to cost up to 10% more or less).
   */
  const orderOf = (round: number): { v: number; p: number }[] =>
    rotate(processes, round).flatMap((p) => rotate(variants, round).map((v) => ({ v, p })));
  return {
    async measure(round) {
      const concurrency = round.concurrency ?? 1;
      const run = (slot: Slot, ms: number): Promise<RunReport> => slot.worker.run({ variant: slot.variant, ms, concurrency });
      // Warm-up needs no quiet machine, only time: every worker at once (each runs one command at a time).
      await Promise.all(
        workers.map(async (worker) => {
          for (const slot of slots.flat()) if (slot.worker === worker) await run(slot, round.warmupMs);
        }),
      );
      const runs = specs.map(() => processes.map((): RunReport[] => []));
      for (let r = 0; r < round.rounds; r++) {
        for (const { v, p } of orderOf(r)) runs[v]![p]!.push(await run(slots[v]![p]!, round.roundMs));
      }
      return specs.map((spec, v) => ({ label: spec.label, runs: runs[v]! }));
    },
    close: async () => void (await Promise.all(workers.map((worker) => worker.close()))),
  };
}

/** Starts the variants, measures them once, and stops them. */
export async function alternate(urls: SimulatorURLs, specs: readonly VariantSpec[], plan: RoundPlan): Promise<Samples[]> {
  const variants = await openVariants(urls, specs, plan);
  try {
    return await variants.measure(plan);
  } finally {
    await variants.close();
  }
}
