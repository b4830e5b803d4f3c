import { parseArgs } from 'node:util';

export interface BenchArgs {
  json: boolean;
  quick: boolean;
  /** Case keys to run (all when empty). */
  only: string[];
  help: boolean;
}

export const usage = `Usage: pnpm bench [-- options]

  --quick         fewer rounds, smaller sweep: a smoke run in under a minute
  --json          print one JSON object (figures keyed by case) instead of the table
  --only a,b      run only these cases (generate, stream, sweep, memory, hooks, core, turn, aliases, reaction, otel, breaker, redis, tools, ai-provider)
  --help`;

/** Reads the flags; a literal `--` (pnpm passes it through) is skipped. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== '--'),
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const only = (values.only ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  return { json: values.json, quick: values.quick, only, help: values.help };
}
