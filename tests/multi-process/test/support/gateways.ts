import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SharedPlanConfig } from './plan.ts';

/** What each gateway instance is started with (as JSON in `GATEWAY_TEST_CONFIG`, read by `gateway.config.ts`). */
export interface GatewayTestConfig extends SharedPlanConfig {
  model: string;
  key: string;
  requestsPerMinute?: number;
  /** The key's spend budget, priced at 1 per output token (the simulator answers 6, and 6 are reserved per call). */
  budget?: number;
  /** Count the budget in each instance's memory: the store is passed as `keyStore` without its `budgets`. */
  budgetsInMemory?: boolean;
}

const cli = join(dirname(createRequire(import.meta.url).resolve('@router/gateway/package.json')), 'src', 'cli.ts');
const configFile = join(import.meta.dirname, 'gateway.config.ts');

/** A `router-gateway` process started the way a user starts it, with `--config` and `--port 0`. */
export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: string[];
}

export async function startGateway(config: GatewayTestConfig): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--conditions=@router/source', cli, '--config', configFile, '--port', '0'], {
    env: { ...process.env, GATEWAY_TEST_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  // The first line says where it listens; the request log lines after it are read and dropped, so the pipe never fills.
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match) resolve(match[1]!);
      else reject(new Error(`unexpected first line from router-gateway: ${line}`));
    });
    void exited.then(({ code, signal }) => reject(new Error(`router-gateway exited (${code ?? signal}) before listening:\n${stderr.join('\n')}`)));
  });
  child.stdout!.resume();
  return { child, url, exited, stderr };
}
