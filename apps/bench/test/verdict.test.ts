import { describe, expect, it } from 'vitest';
import { addedTime, costRatio, medianBootstrapNoise } from '../src/compare.ts';
import { atLeast, atMost, inOneProcess, mustBeZero, quickVerdicts, within } from '../src/figures.ts';
import { formatJson, formatTable, runIsValid } from '../src/report.ts';
import type { Samples } from '../src/rounds.ts';
import { cpuPerOp } from '../src/samples.ts';
import type { RunReport } from '../src/variant.ts';
import { atLeastVerdict, atMostVerdict, withinVerdict } from '../src/verdict.ts';

describe('verdicts on a 95% interval', () => {
  it.each([
    [{ value: 1.05, noise: 0.04 }, 'holds'], // 1.01–1.09, all ≤ 1.10
    [{ value: 1.05, noise: 0.05 }, 'holds'], // up to exactly the limit
    [{ value: 1.07, noise: 0.17 }, 'undetermined'], // the README's per-chunk ratio: 0.90–1.24 straddles 1.20
    [{ value: 1.09, noise: 0.02 }, 'undetermined'], // 1.07–1.11
    [{ value: 1.15, noise: 0.04 }, 'fails'], // 1.11–1.19, all above
    [{ value: 1.15, noise: undefined }, 'fails'], // no interval: the value decides
    [{ value: 1.05, noise: undefined }, 'holds'],
  ] as const)('≤ 1.10: %o is %s', (estimate, verdict) => {
    expect(atMostVerdict(estimate, 1.1)).toBe(verdict);
  });

  it.each([
    [{ value: 0.964, noise: 0.22 }, 'undetermined'], // the README's 256-stream ratio
    [{ value: 0.99, noise: 0.03 }, 'holds'],
    [{ value: 0.9, noise: 0.03 }, 'fails'],
    [{ value: 0.96, noise: 0.01 }, 'holds'],
  ] as const)('≥ 0.95: %o is %s', (estimate, verdict) => {
    expect(atLeastVerdict(estimate, 0.95)).toBe(verdict);
  });

  it.each([
    [{ value: 1.0, noise: 0.6 }, 'undetermined'], // the README's timing-log-off ratio, 1 ± 60%
    [{ value: 0.862, noise: 0.3 }, 'undetermined'],
    [{ value: 1.01, noise: 0.03 }, 'holds'],
    [{ value: 1.12, noise: 0.05 }, 'fails'],
    [{ value: 0.9, noise: 0.04 }, 'fails'],
    [{ value: 1.04, noise: 0.02 }, 'undetermined'],
  ] as const)('within 1 ± 5%: %o is %s', (estimate, verdict) => {
    expect(withinVerdict(estimate, 0.95, 1.05)).toBe(verdict);
  });
});

/** One worker's run: `cpuUs` over `count` operations. */
const run = (cpuUs: number, count = 100): RunReport => ({
  count,
  latencyMs: [],
  ttftMs: [],
  cpuUs,
  chunks: 0,
  wallMs: 200,
  integrity: { streams: 0, lost: 0, duplicated: 0, reordered: 0 },
});

/** Three processes of four rounds each; `router` costs `ratios[p][r]` times `direct` in that round. */
function pairedSamples(ratios: number[][]): [Samples, Samples] {
  const direct: Samples = { label: 'direct', runs: ratios.map((rounds) => rounds.map(() => run(100_000))) };
  const router: Samples = { label: 'router', runs: ratios.map((rounds) => rounds.map((ratio) => run(100_000 * ratio))) };
  return [direct, router];
}

describe('figures judge their goal on the interval', () => {
  it('a cost ratio whose interval straddles the limit is undetermined, not holds', () => {
    // The median ratio is 1.10 under a 1.20 limit, but the processes disagree by ±10%.
    const [direct, router] = pairedSamples([
      [1.0, 1.01, 0.99, 1.0],
      [1.1, 1.11, 1.09, 1.1],
      [1.2, 1.21, 1.19, 1.2],
    ]);
    const figures = costRatio('cpu', 'µs', direct, router, cpuPerOp, 1.2);
    expect(figures['cpu.ratio']!.value).toBeCloseTo(1.1, 2);
    expect(figures['cpu.ratioNoise']!.value).toBeGreaterThan(0.1);
    expect(figures['cpu.ratio']!.verdict).toBe('undetermined');
  });

  it('a cost ratio whose processes agree, well under the limit, holds', () => {
    const [direct, router] = pairedSamples([
      [1.05, 1.06, 1.04, 1.05],
      [1.05, 1.04, 1.06, 1.05],
      [1.06, 1.05, 1.04, 1.05],
    ]);
    expect(costRatio('cpu', 'µs', direct, router, cpuPerOp, 1.2)['cpu.ratio']!.verdict).toBe('holds');
    expect(costRatio('cpu', 'µs', direct, router, cpuPerOp, 1.0)['cpu.ratio']!.verdict).toBe('fails');
  });

  it('an added time is judged on its bootstrap interval', () => {
    // Router 0.2 ms slower at every quantile, over a long tail (the slowest first tokens 33–60 ms):
    // the p99 of 200 samples moves by milliseconds from one resampling to the next, so a 0.5 ms limit cannot be settled.
    const spread = Array.from({ length: 200 }, (_, i) => 10 + 50 * (i / 199) ** 8);
    const wide = addedTime('ttft', [spread], [spread.map((ms) => ms + 0.2)], { at: 'p99', limitMs: 0.5 });
    expect(wide['ttft.p99.added']!.verdict).toBe('undetermined');
    const tight = Array.from({ length: 200 }, () => 10);
    const narrow = addedTime('ttft', [tight], [tight.map((ms) => ms + 0.2)], { at: 'p99', limitMs: 0.5 });
    expect(narrow['ttft.p99.added']!.verdict).toBe('holds');
  });

  it('an added time is as uncertain as the processes disagree, however many samples each pooled', () => {
    // Within each process the router adds exactly 0.05 ms, but the processes differ by ±0.1 ms.
    const direct = [1.0, 1.1, 1.2].map((ms) => Array.from({ length: 500 }, () => ms));
    const router = [1.15, 1.05, 1.35].map((ms) => Array.from({ length: 500 }, () => ms));
    const figures = addedTime('latency', direct, router, { at: 'p50', limitMs: 0.1 });
    expect(figures['latency.samples.direct']!.value).toBe(1_500);
    expect(figures['latency.p50.addedNoise']!.value).toBeGreaterThan(0.1);
    expect(figures['latency.p50.added']!.verdict).toBe('undetermined');
  });

  it('helpers with and without an interval', () => {
    expect(atMost(1.15, '×', 1.2, '≤ 1.20×', 0.1)).toMatchObject({ verdict: 'undetermined', noise: 0.1 });
    expect(atMost(1.15, '×', 1.2)).toMatchObject({ verdict: 'holds' });
    expect(atLeast(0.96, '×', 0.95, '≥ 0.95×', 0.2).verdict).toBe('undetermined');
    expect(within(1.0, '×', 0.95, 1.05, '1 ± 5%', 0.01).verdict).toBe('holds');
  });
});

describe('medianBootstrapNoise', () => {
  it('is not blown up by a few preempted batches', () => {
    const ratios = Array.from({ length: 100 }, (_, i) => 1 + ((i % 10) - 4.5) * 0.004);
    ratios[7] = 40;
    ratios[63] = 25;
    const noise = medianBootstrapNoise(ratios)!;
    expect(noise).toBeGreaterThan(0);
    expect(noise).toBeLessThan(0.02);
    expect(medianBootstrapNoise([1])).toBeUndefined();
  });
});

describe('--quick', () => {
  it('keeps only correctness checks and goals judged on an interval within one process', () => {
    const quick = quickVerdicts({
      growth: atMost(1.2, 'MB', 2),
      acrossProcesses: atMost(0.26, 'ms', 0.1, '≤ 0.1 ms', 0.13),
      withinProcess: inOneProcess(atMost(1.01, '×', 1.5, '≤ 1.50×', 0.2)),
      withinProcessWide: inOneProcess(within(1.05, '×', 0.95, 1.05, '1 ± 5%', 0.39)),
      lost: mustBeZero(0, 'chunks'),
      unjudged: atMost(3, 'ms', 1),
    });
    expect(Object.fromEntries(Object.entries(quick).map(([name, f]) => [name, f.verdict]))).toEqual({
      growth: 'undetermined',
      acrossProcesses: 'undetermined',
      withinProcess: 'holds',
      withinProcessWide: 'undetermined',
      lost: 'holds',
      unjudged: 'undetermined',
    });
  });
});

describe('the report', () => {
  const outcome = {
    number: 2,
    key: 'stream',
    title: 'stream',
    figures: {
      'cpu.ratio': atMost(1.07, '×', 1.2, '≤ 1.20×', 0.17),
      'cpu.other': atMost(1.3, '×', 1.2, '≤ 1.20×', 0.05),
      lost: mustBeZero(0, 'chunks'),
    },
  };

  it('prints each verdict, a failure in capitals', () => {
    const table = formatTable([outcome], 'header');
    expect(table).toMatch(/cpu\.ratio .*≤ 1\.20× {2}undetermined/);
    expect(table).toMatch(/cpu\.other .*FAILS/);
    expect(JSON.parse(formatJson([outcome])).stream['cpu.ratio']).toEqual({ value: 1.07, unit: '×', goal: '≤ 1.20×', verdict: 'undetermined', noise: 0.17 });
  });

  it('an undetermined or failed time goal leaves the run valid; a failed correctness check does not', () => {
    expect(runIsValid([outcome])).toBe(true);
    expect(runIsValid([{ ...outcome, figures: { lost: mustBeZero(3, 'chunks') } }])).toBe(false);
  });
});
