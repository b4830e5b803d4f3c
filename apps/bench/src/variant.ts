import type { IntegrityCounts } from './integrity.ts';
import type { benchModels } from './simulator/models.ts';
import type { SimulatorURLs } from './simulator/process.ts';
import type { Sdk, TargetSpec } from './targets/build.ts';

/** One side of a comparison, in plain data: how to call, which operation, which simulated model. */
export interface VariantSpec extends TargetSpec {
  /** How the side is named in the figures (`direct`, `router`, `off`...). */
  label: string;
  /** `tool-stream`: a stream that calls the bench's tools, read through the parts view (router) or `delta.tool_calls` (direct). */
  operation: 'generate' | 'stream' | 'tool-stream';
  model: keyof typeof benchModels;
}

/** Asks a worker to start operations of one of its variants for `ms` milliseconds, `concurrency` at a time, and wait for the last. */
export interface RunCommand {
  /** Index into the worker's `specs`. */
  variant: number;
  ms: number;
  concurrency: number;
}

/** What a worker measured over one run of operations. */
export interface RunReport {
  /** Operations completed. */
  count: number;
  /** Duration of each operation, in milliseconds. */
  latencyMs: number[];
  /** Time to the first chunk of each stream (to the first tool-call delta), in milliseconds. */
  ttftMs: number[];
  /** CPU time of the worker process (user + system) over the run, in microseconds. */
  cpuUs: number;
  chunks: number;
  wallMs: number;
  /** Every chunk of this variant checked by this worker so far. */
  integrity: IntegrityCounts;
}

/** What a worker process is started with: the variants it hosts (usually one). */
export interface WorkerSetup {
  specs: VariantSpec[];
  urls: SimulatorURLs;
}

/** The SDK directly (`direct`) and a router over its adapter (`router`), for one operation and model. */
export function directVsRouter(sdk: Sdk, operation: VariantSpec['operation'], model: VariantSpec['model']): VariantSpec[] {
  return [
    { label: 'direct', sdk, side: 'direct', operation, model },
    { label: 'router', sdk, side: 'router', operation, model },
  ];
}
