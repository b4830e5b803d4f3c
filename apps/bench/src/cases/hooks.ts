import { integrityFigures, pairedRatio } from '../compare.ts';
import type { BenchCase } from '../context.ts';
import { figure, type Figure, type Figures } from '../figures.ts';
import { alternate, type Samples } from '../rounds.ts';
import { median, relativeSpread } from '../stats.ts';
import type { Hooks } from '../targets/build.ts';
import type { VariantSpec } from '../variant.ts';

/** The floor of "within noise": rounds on this kind of machine rarely agree better than this. */
const minimumNoise = 0.02;

const hooks: readonly Hooks[] = ['none', 'off', 'text', 'json'];

/** One measure (e.g. CPU per request) of every variant, and each as a ratio to the router without hooks. */
function measureFigures(prefix: string, unit: string, samples: readonly Samples[], pick: (s: Samples) => number[]): Figures {
  const [none, ...others] = samples;
  const figures: Record<string, Figure> = {};
  for (const s of samples) figures[`${prefix}.${s.label}`] = figure(median(pick(s)), unit);
  for (const other of others) {
    const ratio = pairedRatio(pick(none!), pick(other));
    if (other.label === 'off') {
      // Indistinguishable: the paired ratio is no further from 1 than the ratios of single rounds scatter.
      const noise = Math.max(minimumNoise, relativeSpread(pick(none!).map((base, round) => pick(other)[round]! / base)));
      figures[`${prefix}.offVsNone`] = { value: ratio, unit: '×', goal: `1 ± ${(noise * 100).toFixed(1)}% (noise)`, holds: Math.abs(ratio - 1) <= noise };
    } else {
      figures[`${prefix}.${other.label}VsNone`] = figure(ratio, '×');
    }
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
    const plan = quick ? { rounds: 6, roundMs: 200, warmupMs: 1_000 } : { rounds: 12, roundMs: 250, warmupMs: 2_000 };
    progress(`hooks: generate, ${plan.rounds} rounds of ${plan.roundMs} ms per variant`);
    const generated = await alternate(sim, specs('generate', 'short'), plan);
    progress(`hooks: stream, ${plan.rounds} rounds of ${plan.roundMs} ms per variant`);
    const streamed = await alternate(sim, specs('stream', 'long'), plan);
    return {
      ...measureFigures('generate.cpuPerRequest', 'µs', generated, (s) => s.cpuUsPerOp),
      ...measureFigures('stream.cpuPerChunk', 'µs', streamed, (s) => s.cpuUsPerChunk),
      ...integrityFigures('generate', generated),
      ...integrityFigures('stream', streamed),
    };
  },
};
