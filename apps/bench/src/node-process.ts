import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Node flags every child needs: workspace packages from their TypeScript sources, and `gc()`. */
export const nodeFlags: readonly string[] = ['--conditions=@router/source', '--expose-gc'];

/** The repository root (children run from there, as `pnpm bench` does). */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url));

/** A path of this package's sources, for scripts run as children. */
export function benchScript(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

/** Starts `node <flags> <args>`; standard input stays a pipe so the child can notice when we go away. */
export function spawnNode(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [...nodeFlags, ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
}

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command from the repository root to its end and collects its output. */
export function runCommand(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<ProcessRun> {
  return collect(spawn(command, args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env }));
}

/** Runs a node child to its end and collects its output. */
export function runNode(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<ProcessRun> {
  return collect(spawnNode(args, options));
}

function collect(child: ChildProcess): Promise<ProcessRun> {
  child.stdin?.end();
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a node child that prints one JSON object as its last line of output; fails with its stderr otherwise. */
export async function runNodeJson<T>(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  const run = await runNode(args, options);
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.code !== 0 || !last.startsWith('{')) {
    throw new Error(`node ${args.join(' ')} exited with ${run.code}:\n${run.stderr.trim() || run.stdout.trim()}`);
  }
  return JSON.parse(last) as T;
}
