import { addedNoise, integrityFigures, pairedRatio, ratioNoise } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { atMost, figure, type Figures } from '../figures.ts';
import { alternate, type Samples } from '../rounds.ts';
import { cpuPerChunk, cpuPerOp, everyRun, type Rate } from '../samples.ts';
import { benchModels } from '../simulator/models.ts';
import { median } from '../stats.ts';
import type { Hooks } from '../targets/build.ts';
import type { VariantSpec } from '../variant.ts';
import { measureInProcess, type InProcessSamples } from './otel-in-process.ts';

const specs = (operation: VariantSpec['operation'], model: VariantSpec['model'], hooks: readonly Hooks[]): VariantSpec[] =>
  hooks.map((h) => ({ label: h, sdk: 'openai', side: 'router', hooks: h, operation, model }));

/** The median of paired differences (same process, same round): what the listener adds, in the rate's unit. */
function pairedDifference(base: Samples, other: Samples, rate: Rate): number {
  return median(base.runs.flatMap((runs, p) => runs.map((run, round) => rate(other.runs[p]![round]!) - rate(run))));
}

/** CPU per call over HTTP on both variants and what the listener adds there. */
function addedPerCall(prefix: string, none: Samples, otel: Samples): Figures {
  const added = pairedDifference(none, otel, cpuPerOp);
  const figures: Figures = {
    [`${prefix}.none`]: figure(median(everyRun(none, cpuPerOp)), 'µs'),
    [`${prefix}.otel`]: figure(median(everyRun(otel, cpuPerOp)), 'µs'),
    [`${prefix}.added`]: figure(added, 'µs'),
  };
  // Each process's runs apart, so the interval is also as wide as the processes disagree.
  const perProcess = (samples: Samples): number[][] => samples.runs.map((runs) => runs.map(cpuPerOp));
  const noise = addedNoise(perProcess(none), perProcess(otel), median);
  if (noise !== undefined) figures[`${prefix}.addedNoise`] = figure(noise, '±µs');
  return figures;
}

/** CPU per call with and without the listener in process, and the median of the round-by-round differences. */
function inProcessFigures(prefix: string, samples: InProcessSamples, limitUs?: number): Figures {
  const added = median(samples.otel.map((otel, round) => otel - samples.none[round]!));
  // One process: the interval is the bootstrap's. The goal is judged on it, as every goal with an interval is.
  const noise = addedNoise([samples.none], [samples.otel], median);
  const figures: Figures = {
    [`${prefix}.none`]: figure(median(samples.none), 'µs'),
    [`${prefix}.otel`]: figure(median(samples.otel), 'µs'),
    [`${prefix}.added`]: limitUs === undefined ? figure(added, 'µs') : atMost(added, 'µs', limitUs, undefined, noise),
  };
  if (noise !== undefined) figures[`${prefix}.addedNoise`] = figure(noise, '±µs');
  return figures;
}

/**
 * Case 8: the router without listeners against the router with
 * `@router/otel` and the real SDK (spans batched to an exporter that drops
 * them, metrics aggregated in memory). Per call, the goal is read in
 * process (the router over an in-memory backend), where the listener's few
 * microseconds are not lost in the HTTP stack's milliseconds of noise; the
 * same difference over HTTP is printed beside it, and in process on a route
 * with a retry policy (one more span per call: the attempt) and for a
 * 300-chunk stream. Per chunk: a 300-chunk
 * stream over HTTP, both variants in each worker process.
 */
export const otelCase: BenchCase = {
  key: 'otel',
  title: `no listeners vs @router/otel with the SDK, openai path (${benchModels.short.chunks}-word generate, ${benchModels.long.chunks}-chunk stream)`,
  async run({ sim, quick, progress }) {
    const plan = quick
      ? { processes: 1, placement: 'shared' as const, rounds: 4, roundMs: 150, warmupMs: 400 }
      : { processes: 3, placement: 'shared' as const, rounds: 8, roundMs: 200, warmupMs: 3_000 };
    const callPlan = quick ? { rounds: 8, callsPerRound: 1_000, warmupCalls: 2_000 } : { rounds: 24, callsPerRound: 3_000, warmupCalls: 10_000 };
    // A 300-chunk stream costs a hundred times a generate in process: fewer calls per round.
    const streamPlan = quick ? { rounds: 6, callsPerRound: 20, warmupCalls: 100 } : { rounds: 24, callsPerRound: 100, warmupCalls: 500 };
    progress(`otel: in process, ${callPlan.rounds} rounds of ${callPlan.callsPerRound} generates and of ${streamPlan.callsPerRound} streams per variant`);
    const inProcessGenerate = await measureInProcess({ operation: 'generate', route: 'direct', model: 'short' }, callPlan);
    const inProcessRetryRoute = await measureInProcess({ operation: 'generate', route: 'retry', model: 'short' }, callPlan);
    const inProcessStream = await measureInProcess({ operation: 'stream', route: 'direct', model: 'long' }, streamPlan);
    progress(`otel: generate, ${plan.processes} process(es), ${plan.rounds} rounds of ${plan.roundMs} ms each`);
    const [generateNone, generateOtel] = await alternate(sim, specs('generate', 'short', ['none', 'otel']), plan);
    progress(`otel: stream, ${plan.processes} process(es), ${plan.rounds} rounds of ${plan.roundMs} ms each`);
    const [streamNone, streamEmpty, streamOtel] = await alternate(sim, specs('stream', 'long', ['none', 'empty', 'otel']), plan);
    const figures: Figures = {
      ...inProcessFigures('inProcess.generate.cpuPerCall', inProcessGenerate, 20),
      ...inProcessFigures('inProcess.generateOnRetryRoute.cpuPerCall', inProcessRetryRoute),
      ...inProcessFigures('inProcess.stream.cpuPerCall', inProcessStream),
      ...addedPerCall('http.generate.cpuPerCall', generateNone!, generateOtel!),
      ...addedPerCall('http.stream.cpuPerCall', streamNone!, streamOtel!),
      'http.stream.cpuPerChunk.none': figure(median(everyRun(streamNone!, cpuPerChunk)), 'µs'),
      'http.stream.cpuPerChunk.otel': figure(median(everyRun(streamOtel!, cpuPerChunk)), 'µs'),
    };
    // Judged on its interval, as every ratio goal is: the verdict holds only when the whole interval is under the limit.
    const noise = ratioNoise(streamNone!, streamOtel!, cpuPerChunk);
    figures['http.stream.cpuPerChunk.otelVsNone'] = atMost(pairedRatio(streamNone!, streamOtel!, cpuPerChunk), '×', 1.05, '≤ 1.05×', noise);
    if (noise !== undefined) figures['http.stream.cpuPerChunk.otelVsNoneNoise'] = figure(noise, '±×');
    // The same ratio from parts measured with less noise: what the listener adds per chunk in process, over a chunk's cost over HTTP.
    const addedPerChunk = median(inProcessStream.otel.map((otel, round) => otel - inProcessStream.none[round]!)) / benchModels.long.chunks;
    figures['inProcess.stream.cpuPerChunk.added'] = figure(addedPerChunk, 'µs');
    figures['http.stream.cpuPerChunk.otelVsNoneFromParts'] = figure(1 + addedPerChunk / figures['http.stream.cpuPerChunk.none']!.value, '×');
    // Any listener makes the router observe the stream (one relay step per chunk, in core); this says how much of the above that is.
    figures['http.stream.cpuPerChunk.emptyListenerVsNone'] = figure(pairedRatio(streamNone!, streamEmpty!, cpuPerChunk), '×');
    figures['http.stream.cpuPerChunk.otelVsEmptyListener'] = figure(pairedRatio(streamEmpty!, streamOtel!, cpuPerChunk), '×');
    return { ...figures, ...integrityFigures('generate', [generateNone!, generateOtel!]), ...integrityFigures('stream', [streamNone!, streamEmpty!, streamOtel!]) };
  },
};
