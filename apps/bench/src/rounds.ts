import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import type { IntegrityCounts } from './integrity.ts';
import { benchScript, spawnNode } from './node-process.ts';
import type { SimulatorURLs } from './simulator/process.ts';
import type { RunCommand, RunReport, VariantSpec, WorkerSetup } from './variant.ts';

/**
 * How long to measure. Rounds are timed rather than counted, so that each is
 * long enough to measure whatever one operation costs (a 2 ms call or a
 * 50 ms stream), and the warm-up long enough for the JIT to settle.
 */
export interface RoundPlan {
  rounds: number;
  /** Milliseconds each variant runs per round. */
  roundMs: number;
  /** Milliseconds each variant runs before measuring (JIT, connections). */
  warmupMs: number;
  /** Operations in flight at once (default 1: one after another). */
  concurrency?: number;
}

/** Everything measured for one variant over all its rounds. */
export interface Samples {
  label: string;
  /** Duration of every operation, in milliseconds. */
  latencyMs: number[];
  ttftMs: number[];
  /** Per round: CPU time of the variant's process (user + system) per operation, in microseconds. */
  cpuUsPerOp: number[];
  /** Per round: CPU microseconds per chunk (streams). */
  cpuUsPerChunk: number[];
  /** Per round: operations completed per second of wall time. */
  opsPerSecond: number[];
  integrity: IntegrityCounts;
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

function record(samples: Samples, report: RunReport): void {
  samples.latencyMs.push(...report.latencyMs);
  samples.ttftMs.push(...report.ttftMs);
  samples.cpuUsPerOp.push(report.cpuUs / report.count);
  if (report.chunks > 0) samples.cpuUsPerChunk.push(report.cpuUs / report.chunks);
  samples.opsPerSecond.push((report.count / report.wallMs) * 1000);
  samples.integrity = report.integrity;
}

/** Variants running in their worker processes, ready to be measured (several times, e.g. at rising concurrency). */
export interface OpenVariants {
  /**
   * Measures the variants in alternating rounds: each round runs every
   * variant once, one after another, and the order rotates from round to
   * round, so drift in the machine (frequency, other load) falls on all of
   * them alike. Integrity counts are cumulative over the workers' lifetime.
   */
  measure(plan: RoundPlan): Promise<Samples[]>;
  close(): Promise<void>;
}

/** Starts one worker process per variant. */
export async function openVariants(urls: SimulatorURLs, specs: readonly VariantSpec[]): Promise<OpenVariants> {
  const workers = await Promise.all(specs.map((spec) => VariantWorker.start({ spec, urls })));
  return {
    async measure(plan) {
      const concurrency = plan.concurrency ?? 1;
      const all = specs.map(
        (spec): Samples => ({
          label: spec.label,
          latencyMs: [],
          ttftMs: [],
          cpuUsPerOp: [],
          cpuUsPerChunk: [],
          opsPerSecond: [],
          integrity: { streams: 0, lost: 0, duplicated: 0, reordered: 0 },
        }),
      );
      for (const worker of workers) await worker.run({ ms: plan.warmupMs, concurrency });
      for (let round = 0; round < plan.rounds; round++) {
        for (let i = 0; i < workers.length; i++) {
          const at = (i + round) % workers.length;
          record(all[at]!, await workers[at]!.run({ ms: plan.roundMs, concurrency }));
        }
      }
      return all;
    },
    close: async () => void (await Promise.all(workers.map((worker) => worker.close()))),
  };
}

/** Starts the variants, measures them once, and stops them. */
export async function alternate(urls: SimulatorURLs, specs: readonly VariantSpec[], plan: RoundPlan): Promise<Samples[]> {
  const variants = await openVariants(urls, specs);
  try {
    return await variants.measure(plan);
  } finally {
    await variants.close();
  }
}
