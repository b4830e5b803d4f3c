import { integrityFigures, pairedRatio, ratioNoise } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { figure, inOneProcess, within, type Figures } from '../figures.ts';
import { alternate, type Samples } from '../rounds.ts';
import { cpuPerChunk, cpuPerOp, everyRun, type Rate } from '../samples.ts';
import { median } from '../stats.ts';
import type { Hooks } from '../targets/build.ts';
import type { VariantSpec } from '../variant.ts';

/**
 * The timing log off takes the same code path as no listeners (a test asserts it), so its cost must be
 * indistinguishable: the whole 95% interval of the ratio within this of 1.
 */
const offMargin = 0.05;

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
    const noise = ratioNoise(none!, other, rate);
    figures[`${prefix}.offVsNone`] = inOneProcess(within(ratio, '×', 1 - offMargin, 1 + offMargin, `1 ± ${offMargin * 100}%`, noise));
    if (noise !== undefined) figures[`${prefix}.offVsNoneNoise`] = figure(noise, '±×');
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
      : // Six processes: the off/none interval comes from how processes differ, and was ±30% with three.
        { processes: 6, placement: 'shared' as const, rounds: 10, roundMs: 150, warmupMs: 3_000 };
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
