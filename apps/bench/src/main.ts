/**
 * `pnpm bench`: the router against calling the `openai` and `ai` SDKs
 * directly, on the simulator in a separate process over loopback. Goals are
 * reported, not enforced: the exit code is non-zero only when the harness
 * breaks (a case fails, or chunks are lost, duplicated or reordered).
 */
import { parseBenchArgs, usage, type BenchArgs } from './args.ts';
import { benchCases } from './cases/index.ts';
import type { BenchContext } from './context.ts';
import { quickVerdicts } from './figures.ts';
import { describeMachine } from './machine.ts';
import { formatJson, formatTable, runIsValid, type CaseOutcome } from './report.ts';
import { startSimulatorProcess } from './simulator/process.ts';

function selectCases(args: BenchArgs): typeof benchCases {
  const unknown = args.only.filter((key) => !benchCases.some((c) => c.key === key));
  if (unknown.length > 0) throw new TypeError(`unknown case ${unknown.join(', ')} (cases: ${benchCases.map((c) => c.key).join(', ')})`);
  return args.only.length === 0 ? benchCases : benchCases.filter((c) => args.only.includes(c.key));
}

async function main(): Promise<number> {
  let args: BenchArgs;
  let cases: typeof benchCases;
  try {
    args = parseBenchArgs(process.argv.slice(2));
    cases = selectCases(args);
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const started = performance.now();
  const sim = await startSimulatorProcess();
  const context: BenchContext = {
    sim,
    quick: args.quick,
    progress: (message) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`),
  };
  const outcomes: CaseOutcome[] = [];
  try {
    for (const benchCase of cases) {
      const outcome: CaseOutcome = { number: benchCases.indexOf(benchCase) + 1, key: benchCase.key, title: benchCase.title, figures: {} };
      try {
        const figures = await benchCase.run(context);
        outcome.figures = args.quick ? quickVerdicts(figures) : figures;
      } catch (error) {
        outcome.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
      }
      outcomes.push(outcome);
    }
  } finally {
    await sim.close();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const header = `@router bench${args.quick ? ' --quick' : ''}: ${describeMachine()}; finished in ${seconds} s`;
  process.stdout.write(`${args.json ? formatJson(outcomes) : formatTable(outcomes, header)}\n`);
  if (!runIsValid(outcomes)) {
    process.stderr.write('bench: the harness failed (see the failed case or the chunk counts above): these figures are not valid.\n');
    return 1;
  }
  return 0;
}

process.exitCode = await main();
