#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { GatewayConfig } from './config.ts';
import { createGateway } from './gateway.ts';
import { serve, type GatewayServer } from './node.ts';

export const CLI_HELP: string = `router-gateway — the router as an OpenAI-compatible HTTP gateway.

Usage: router-gateway --config ./gateway.config.ts [options]

Options:
  --config <file>            a module whose default export is defineGateway({ router, ... })
                             (.ts loads with Node's own type stripping)
  --port <n>                 port to listen on (default: the config's server.port, else 4000; 0 picks a free port)
  --host <address>           interface to listen on (default: the config's server.host, else 127.0.0.1)
  --allow-unauthenticated    bind beyond loopback even though the config has no keys
  -h, --help                 show this help

The first line on standard output is "listening on http://HOST:PORT"; one JSON line per request follows.
SIGTERM or SIGINT: stop accepting connections, let open streams finish (server.drainTimeoutMs), exit 0.
`;

export interface CliArgs {
  help: boolean;
  config?: string;
  port?: number;
  host?: string;
  allowUnauthenticated?: boolean;
}

/** Parses the command line (without `node` and the script). Throws a TypeError naming a bad flag. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const { values } = parseArgs({
    // `pnpm run gateway -- --port 0` passes its `--` on, after the script's own flags.
    args: argv.filter((arg) => arg !== '--'),
    strict: true,
    allowPositionals: false,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'allow-unauthenticated': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const args: CliArgs = { help: values.help === true };
  if (args.help) return args;
  if (values.config === undefined) throw new TypeError('--config is required: a module whose default export is defineGateway({ router })');
  args.config = values.config;
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (values.port.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`--port must be a port number (0-65535), got ${JSON.stringify(values.port)}`);
    args.port = port;
  }
  if (values.host !== undefined) args.host = values.host;
  if (values['allow-unauthenticated']) args.allowUnauthenticated = true;
  return args;
}

/** Imports the config module and returns its default export. */
export async function loadConfig(file: string): Promise<GatewayConfig> {
  const module = (await import(pathToFileURL(resolve(file)).href)) as { default?: GatewayConfig };
  if (module.default === undefined) throw new TypeError(`${file} has no default export: export default defineGateway({ router })`);
  return module.default;
}

const example = (url: string, keyed: boolean, model: string): string =>
  [
    'Try:',
    `  curl -N ${url}/v1/chat/completions -H 'content-type: application/json'${keyed ? ` -H "authorization: Bearer $GATEWAY_KEY"` : ''} \\`,
    `    -d '${JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'Hello' }] })}'`,
  ].join('\n');

async function main(): Promise<void> {
  let running: GatewayServer;
  let config: GatewayConfig;
  try {
    const args = parseCliArgs(process.argv.slice(2));
    if (args.help) {
      process.stdout.write(CLI_HELP);
      return;
    }
    config = await loadConfig(args.config!);
    const gateway = createGateway(config);
    running = await serve(gateway, { port: args.port, host: args.host, allowUnauthenticated: args.allowUnauthenticated });
    process.stdout.write(`listening on ${running.url}\n`);
    process.stderr.write(`${example(running.url, gateway.requiresKey, config.models?.[0] ?? 'MODEL')}\n`);
  } catch (error) {
    process.stderr.write(`router-gateway: ${error instanceof Error ? error.message : String(error)}\nRun router-gateway --help for the options.\n`);
    process.exitCode = 2;
    return;
  }
  const stop = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stderr.write(`router-gateway: ${signal}: draining\n`);
    running
      .close()
      .then(async ({ cut }) => {
        await config.close?.();
        process.stderr.write(`router-gateway: stopped (${cut} requests cut at the drain timeout)\n`);
        // Standard output to a pipe is written asynchronously: exit once the last log lines are out.
        process.stdout.write('', () => process.exit(0));
      })
      .catch((error: unknown) => {
        process.stderr.write(`router-gateway: error while stopping: ${String(error)}\n`);
        process.exit(1);
      });
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
