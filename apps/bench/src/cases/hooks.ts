import { integrityFigures, pairedRatio, ratioNoise } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { figure, type Figures } from '../figures.ts';
import { alternate, type Samples } from '../rounds.ts';
import { byRound, cpuPerChunk, cpuPerOp, type Rate } from '../samples.ts';
import { median } from '../stats.ts';
import type { Hooks } from '../targets/build.ts';
import type { VariantSpec } from '../variant.ts';

/** The floor of "within noise": a difference this small means nothing on any machine. */
const minimumNoise = 0.02;
/**
 * With one process per variant (`--quick`) the noise cannot be measured; identical
 * processes were seen to differ by up to this much on a 2-core virtual machine.
 */
const unmeasuredNoise = 0.1;

const hooks: readonly Hooks[] = ['none', 'off', 'text', 'json'];

/** One cost of every variant, and each as a ratio to the router without listeners. */
function costFigures(prefix: string, unit: string, samples: readonly Samples[], rate: Rate): Figures {
  const [none, ...others] = samples;
  const figures: Figures = {};
  for (const s of samples) figures[`${prefix}.${s.label}`] = figure(median(byRound(s, rate)), unit);
  for (const other of others) {
    const ratio = pairedRatio(none!, other, rate);
    if (other.label !== 'off') {
      figures[`${prefix}.${other.label}VsNone`] = figure(ratio, '×');
      continue;
    }
    // Indistinguishable: no further from 1 than identical processes differ from each other.
    const measured = ratioNoise(none!, other, rate);
    const noise = measured === undefined ? unmeasuredNoise : Math.max(minimumNoise, measured);
    const goal = `1 ± ${(noise * 100).toFixed(1)}% (${measured === undefined ? 'noise not measured with one process' : 'noise'})`;
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
    const plan = quick
      ? { processes: 1, rounds: 4, roundMs: 150, warmupMs: 700 }
      : { processes: 2, rounds: 8, roundMs: 200, warmupMs: 3_000 };
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
