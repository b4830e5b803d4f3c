import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './closed-port.ts';

/** A `redis-server` of its own for a test: loopback only, no persistence, in a temp dir. */
export interface TestRedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGKILL when `hard`, as a crash would) and waits for it to exit. Its port stays its own for `start`. */
  stop(options?: { hard?: boolean }): Promise<void>;
  /** Starts it again on the same port, empty, as after a restart without persistence. */
  start(): Promise<void>;
  /** Stops it and removes its temp dir. */
  close(): Promise<void>;
}

export interface TestRedisServerOptions {
  /** The binary. Default `redis-server` on the PATH (Debian's package; `scripts/ensure-test-packages.sh` installs it). */
  binary?: string;
}

/**
 * Starts `redis-server` on a free loopback port, with no RDB or AOF files and
 * no protected mode, and resolves once it accepts connections. A port is
 * found by binding port 0 first, so two tests never share a server.
 */
export async function startRedisServer(options: TestRedisServerOptions = {}): Promise<TestRedisServer> {
  const binary = options.binary ?? 'redis-server';
  const dir = await mkdtemp(join(tmpdir(), 'router-redis-'));
  const port = await closedPort();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'notice'];
    const started = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (data: Buffer): void => {
        output += data.toString();
        if (output.includes('Ready to accept connections')) resolve();
      };
      started.stdout!.on('data', onData);
      started.stderr!.on('data', onData);
      started.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'ENOENT' ? new Error(`${binary} not found: run scripts/ensure-test-packages.sh (installs Debian's redis-server)`) : error),
      );
      started.once('exit', (code) => reject(new Error(`${binary} exited with ${code} before it was ready: ${output.trim()}`)));
    });
  };

  const stop = async ({ hard = false } = {}): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
