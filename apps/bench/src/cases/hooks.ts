import { integrityFigures, pairedRatio, ratioNoise } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { figure, type Figures } from '../figures.ts';
import { alternate, type Samples } from '../rounds.ts';
import { cpuPerChunk, cpuPerOp, everyRun, type Rate } from '../samples.ts';
import { median } from '../stats.ts';
import type { Hooks } from '../targets/build.ts';
import type { VariantSpec } from '../variant.ts';

/** The floor of "within noise": a difference this small means nothing on any machine. */
const minimumNoise = 0.02;

const hooks: readonly Hooks[] = ['none', 'off', 'text', 'json'];

/** One cost of every variant, and each as a ratio to the router without listeners. */
function costFigures(prefix: string, unit: string, samples: readonly Samples[], rate: Rate): Figures {
  const [none, ...others] = samples;
  const figures: Figures = {};
  for (const s of samples) figures[`${prefix}.${s.label}`] = figure(median(everyRun(s, rate)), unit);
  for (const other of others) {
    const ratio = pairedRatio(none!, other, rate);
    if (other.label !== 'off') {
      figures[`${prefix}.${other.label}VsNone`] = figure(ratio, '×');
      continue;
    }
    // Indistinguishable: no further from 1 than the ratio differs from one process to the next.
    const noise = Math.max(minimumNoise, ratioNoise(none!, other, rate) ?? 0);
    const goal = `1 ± ${(noise * 100).toFixed(1)}% (noise)`;
    figures[`${prefix}.offVsNone`] = { value: ratio, unit: '×', goal, holds: Math.abs(ratio - 1) <= noise };
  }
  return figures;
}

const specs = (operation: VariantSpec['operation'], model: VariantSpec['model']): VariantSpec[] =>
  hooks.map((h) => ({ label: h, sdk: 'openai', side: 'router', hooks: h, operation, model }));

/**
 * Case 5: the router without listeners, with the timing log off (left to the
 * environment, which says off), and with the log on in text and JSON,
 * written to the null device (a real write, not the terminal).
 */
export const hooksCase: BenchCase = {
  key: 'hooks',
  title: 'no listeners vs timing log off vs timing log on (text, json) to the null device, openai path',
  async run({ sim, quick, progress }) {
    // One router per variant, all four in each process: the same code with and without hooks, compared within a process.
    const plan = quick
      ? { processes: 1, placement: 'shared' as const, rounds: 4, roundMs: 150, warmupMs: 400 }
      : { processes: 3, placement: 'shared' as const, rounds: 8, roundMs: 150, warmupMs: 3_000 };
    progress(`hooks: generate, ${plan.processes} process(es) per variant, ${plan.rounds} rounds of ${plan.roundMs} ms each`);
    const generated = await alternate(sim, specs('generate', 'short'), plan);
    progress(`hooks: stream, ${plan.processes} process(es) per variant, ${plan.rounds} rounds of ${plan.roundMs} ms each`);
    const streamed = await alternate(sim, specs('stream', 'long'), plan);
    return {
      ...costFigures('generate.cpuPerRequest', 'µs', generated, cpuPerOp),
      ...costFigures('stream.cpuPerChunk', 'µs', streamed, cpuPerChunk),
      ...integrityFigures('generate', generated),
      ...integrityFigures('stream', streamed),
    };
  },
};
