#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_BODY_BYTES, startSimulator } from './simulator/server.ts';
import { DIALECTS, type Simulator, type SimulatorOptions } from './simulator/types.ts';

/** Port `router-sim` listens on when `--port` is not given. */
export const DEFAULT_CLI_PORT = 8787;

export const CLI_HELP: string = `router-sim — a local simulator of OpenAI-compatible LLM services (openai, openrouter,
featherless, mlx, mlx-lm, ollama, vllm, vllm-legacy, lmstudio dialects) with deterministic replies and fault injection.

Usage: router-sim [options]

Options:
  --port <n>           port to listen on (default ${DEFAULT_CLI_PORT}; 0 picks a free port)
  --host <address>     interface to listen on (default 127.0.0.1; anything beyond loopback
                       exposes the simulator to the network, with a warning)
  --max-body-bytes <n> largest request body accepted (default ${DEFAULT_MAX_BODY_BYTES}, 4 MiB); larger gets 413
  --seed <n>           seed of the generated text and vectors (default 1)
  --ttft-ms <ms>       time to first token for every model (default 0)
  --tps <n>            tokens per second for every model (default: no pacing)
  --reasoning-tokens <n> reasoning tokens every model emits before its answer (default 0)
  --cold-start-ms <ms> mlx, lmstudio dialects: delay of the first call to each model (default 0)
  --plan-units <n>     featherless dialect: plan concurrency units (default 4)
  -h, --help           show this help

Faults: send a request header  x-sim-fault: {"kind":"status","status":429,"retryAfter":"1"}
(kinds: status, reset, close-mid-stream, malformed-event, error-event, no-finish, stall, crlf, split-writes).
`;

/** What the command line asks for. */
export interface CliConfig {
  help: boolean;
  options: SimulatorOptions;
}

function numberFlag(name: string, value: string | undefined, check: (n: number) => boolean, rule: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !check(parsed)) throw new TypeError(`--${name} must be ${rule}, got ${JSON.stringify(value)}`);
  return parsed;
}

const isCount = (n: number): boolean => Number.isInteger(n) && n >= 0;

/** Parses `router-sim` arguments (without `node` and the script path). Throws a TypeError naming a bad flag. */
export function parseCliArgs(argv: readonly string[]): CliConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'ttft-ms': { type: 'string' },
      tps: { type: 'string' },
      'reasoning-tokens': { type: 'string' },
      'cold-start-ms': { type: 'string' },
      'plan-units': { type: 'string' },
      'max-body-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const port = numberFlag('port', values.port, (n) => isCount(n) && n <= 65535, 'a port number (0-65535)') ?? DEFAULT_CLI_PORT;
  const seed = numberFlag('seed', values.seed, Number.isInteger, 'an integer');
  const ttftMs = numberFlag('ttft-ms', values['ttft-ms'], (n) => Number.isFinite(n) && n >= 0, 'a number >= 0');
  const tps = numberFlag('tps', values.tps, (n) => n > 0, 'a number > 0');
  const reasoningTokens = numberFlag('reasoning-tokens', values['reasoning-tokens'], isCount, 'an integer >= 0');
  const coldStartMs = numberFlag('cold-start-ms', values['cold-start-ms'], (n) => Number.isFinite(n) && n >= 0, 'a number >= 0');
  const planUnits = numberFlag('plan-units', values['plan-units'], (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
  const maxBodyBytes = numberFlag('max-body-bytes', values['max-body-bytes'], (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');

  const options: SimulatorOptions = { port, host: values.host ?? '127.0.0.1' };
  if (seed !== undefined) options.seed = seed;
  if (ttftMs !== undefined || tps !== undefined || reasoningTokens !== undefined) {
    options.defaultProfile = {
      ...(ttftMs !== undefined && { ttftMs }),
      ...(tps !== undefined && { tokensPerSecond: tps }),
      ...(reasoningTokens !== undefined && { reasoningTokens }),
    };
  }
  if (coldStartMs !== undefined) options.mlx = { coldStartMs };
  if (planUnits !== undefined) options.featherless = { planUnits };
  if (maxBodyBytes !== undefined) options.maxBodyBytes = maxBodyBytes;
  // A long-running process answers an unbounded number of requests: keep the log small.
  options.maxLogEntries = 1000;
  return { help: values.help === true, options };
}

/** Whether `host` only accepts connections from this machine: `localhost`, 127.0.0.0/8 or ::1. */
function isLoopback(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (address === 'localhost') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  // The URL parser writes every spelling of ::1 (0:0:0:0:0:0:0:1, ::0001) the same way.
  return isIP(address) === 6 && new URL(`http://[${address}]`).hostname === '[::1]';
}

/**
 * The warning to print when `--host` reaches beyond this machine: the simulator has no real
 * authentication, logs request bodies and headers, and is meant for tests.
 */
export function exposureWarning(host: string): string | undefined {
  if (isLoopback(host)) return undefined;
  return `router-sim: warning: --host ${host} is not a loopback address, so other machines can reach the simulator. It has no real authentication and keeps request bodies in memory; use --host 127.0.0.1 unless you mean to share it.`;
}

/** The banner: each dialect's base URL and a curl example. */
export function describeSimulator(simulator: Simulator): string {
  const width = Math.max(...DIALECTS.map((d) => d.length));
  const lines = [`router-sim listening on ${simulator.url}`, '', 'Base URLs:'];
  for (const dialect of DIALECTS) lines.push(`  ${dialect.padEnd(width)}  ${simulator.baseURL(dialect)}`);
  const body = JSON.stringify({ model: 'sim-model', stream: true, messages: [{ role: 'user', content: 'Hello' }] });
  lines.push(
    '',
    'Try:',
    `  curl -N ${simulator.baseURL('openai')}/chat/completions \\`,
    `    -H 'authorization: Bearer any-key' -H 'content-type: application/json' \\`,
    `    -d '${body}'`,
    '',
    'Press Ctrl+C to stop.',
  );
  return lines.join('\n');
}

/**
 * Runs `router-sim` with these arguments: prints the help, or starts the simulator and prints its
 * banner (warnings go to `warn`, stderr by default). Returns the running simulator (undefined after
 * `--help`); the caller closes it.
 */
export async function runCli(
  argv: readonly string[],
  print: (text: string) => void = console.log,
  warn: (text: string) => void = console.error,
): Promise<Simulator | undefined> {
  const config = parseCliArgs(argv);
  if (config.help) {
    print(CLI_HELP);
    return undefined;
  }
  const warning = exposureWarning(config.options.host ?? '127.0.0.1');
  if (warning !== undefined) warn(warning);
  const simulator = await startSimulator(config.options);
  print(describeSimulator(simulator));
  return simulator;
}

async function main(): Promise<void> {
  let simulator: Simulator | undefined;
  try {
    simulator = await runCli(process.argv.slice(2));
  } catch (error) {
    console.error(`router-sim: ${error instanceof Error ? error.message : String(error)}\nRun router-sim --help for the options.`);
    process.exitCode = 2;
    return;
  }
  if (simulator === undefined) return;
  const running = simulator;
  const stop = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    running.close().then(
      () => console.log(`router-sim: stopped (${signal})`),
      (error: unknown) => {
        console.error(`router-sim: error while closing: ${String(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main();
