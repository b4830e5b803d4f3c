import { closeSync, openSync, writeSync } from 'node:fs';
import { devNull } from 'node:os';
import { createTimingLog, type Router } from '@router/core';
import { integrityFigures, pairedRatio } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { figure, type Figure, type Figures } from '../figures.ts';
import { IntegrityCheck } from '../integrity.ts';
import { generateOp, streamOp } from '../ops.ts';
import { alternate, type Samples } from '../rounds.ts';
import { benchModels } from '../simulator/models.ts';
import { median, relativeSpread } from '../stats.ts';
import { openaiCompatibleRouter, routerTarget } from '../targets/routers.ts';

/** The floor of "within noise": rounds on this kind of machine rarely agree better than this. */
const minimumNoise = 0.02;

/** A router whose timing log is left to the environment, with the environment saying off (as for most users). */
function routerWithLogOffByEnv(baseURL: string): Router {
  const saved = { ROUTER_LLM_TIMING: process.env.ROUTER_LLM_TIMING, CHAT_LLM_TIMING: process.env.CHAT_LLM_TIMING };
  process.env.ROUTER_LLM_TIMING = '0';
  delete process.env.CHAT_LLM_TIMING;
  try {
    return openaiCompatibleRouter(baseURL, { timingLog: undefined });
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Figures for one measure (e.g. CPU per request) of every variant, each as a ratio to the router without hooks. */
function measureFigures(prefix: string, unit: string, samples: readonly Samples[], pick: (s: Samples) => number[]): Figures {
  const [none, ...others] = samples;
  const figures: Record<string, Figure> = {};
  for (const s of samples) figures[`${prefix}.${s.label}`] = figure(median(pick(s)), unit);
  for (const other of others) {
    const ratios = pick(none!).map((base, round) => pick(other)[round]! / base);
    const ratio = pairedRatio(pick(none!), pick(other));
    if (other.label === 'off') {
      // "Indistinguishable": the difference is no larger than how much rounds of the same thing differ.
      const noise = Math.max(minimumNoise, relativeSpread(ratios));
      figures[`${prefix}.offVsNone`] = { value: ratio, unit: '×', goal: `1 ± ${(noise * 100).toFixed(1)}% (noise)`, holds: Math.abs(ratio - 1) <= noise };
    } else {
      figures[`${prefix}.${other.label}VsNone`] = figure(ratio, '×');
    }
  }
  return figures;
}

/**
 * Case 5: the router without hooks, with the timing log off (the
 * environment says so), and with the log on in text and JSON, written to
 * the null device (a real write, not the terminal).
 */
export const hooksCase: BenchCase = {
  key: 'hooks',
  title: 'no listeners vs timing log off vs timing log on (text, json) to the null device, openai path',
  async run({ sim, quick, progress }) {
    const sink = openSync(devNull, 'w');
    const write = (line: string): void => void writeSync(sink, `${line}\n`);
    try {
      const routers: [string, Router][] = [
        ['none', openaiCompatibleRouter(sim.openaiURL, { timingLog: false })],
        ['off', routerWithLogOffByEnv(sim.openaiURL)],
        ['text', openaiCompatibleRouter(sim.openaiURL, { listeners: [createTimingLog({ format: 'text', write })] })],
        ['json', openaiCompatibleRouter(sim.openaiURL, { listeners: [createTimingLog({ format: 'json', write })] })],
      ];
      const targets = routers.map(([label, router]) => routerTarget(label, router));
      const plans = quick
        ? { generate: { rounds: 6, perRound: 60, warmup: 60 }, stream: { rounds: 6, perRound: 6, warmup: 10 } }
        : { generate: { rounds: 16, perRound: 100, warmup: 200 }, stream: { rounds: 16, perRound: 10, warmup: 30 } };

      const replies = new IntegrityCheck(benchModels.short);
      const streams = new IntegrityCheck(benchModels.long);

      progress(`hooks: generate, ${plans.generate.rounds} rounds of ${plans.generate.perRound} calls per variant`);
      const generated = await alternate(
        targets.map((t) => generateOp(t, benchModels.short, replies)),
        plans.generate,
      );
      progress(`hooks: stream, ${plans.stream.rounds} rounds of ${plans.stream.perRound} streams per variant`);
      const streamed = await alternate(
        targets.map((t) => streamOp(t, benchModels.long, streams)),
        plans.stream,
      );
      return {
        ...measureFigures('generate.cpuPerRequest', 'µs', generated, (s) => s.cpuUsPerOp),
        ...measureFigures('stream.cpuPerChunk', 'µs', streamed, (s) => s.cpuUsPerChunk),
        ...integrityFigures('generate', replies.counts),
        ...integrityFigures('stream', streams.counts),
      };
    } finally {
      closeSync(sink);
    }
  },
};
