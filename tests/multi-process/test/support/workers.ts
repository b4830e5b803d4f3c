import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunRequest, WorkerConfig, WorkerMessage } from './protocol.ts';

const workerScript = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** A worker process and the messages it sent. */
export class Worker {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #messages: WorkerMessage[] = [];
  readonly #waiters: (() => void)[] = [];
  stderr = '';

  constructor(config: WorkerConfig) {
    this.child = fork(workerScript, {
      execArgv: ['--conditions=@router/source'],
      env: { ...process.env, WORKER_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.child.on('message', (message: WorkerMessage) => {
      this.#messages.push(message);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The first message of a type, once it arrives (rejects if the worker exits first). */
  async next<T extends WorkerMessage['type']>(type: T): Promise<Extract<WorkerMessage, { type: T }>> {
    const exitedFirst = this.exited.then(({ code, signal }) => {
      throw new Error(`worker exited (${code ?? signal}) before sending ${type}: ${this.stderr.trim()}`);
    });
    exitedFirst.catch(() => undefined);
    for (;;) {
      const found = this.#messages.find((message) => message.type === type);
      if (found) return found as Extract<WorkerMessage, { type: T }>;
      await Promise.race([new Promise<void>((resolve) => this.#waiters.push(resolve)), exitedFirst]);
    }
  }

  run(request: RunRequest): void {
    this.child.send(request);
  }

  /** Ends the worker the ordinary way (it closes its store) and waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.disconnect();
    await this.exited;
  }
}

/** Starts `count` workers and waits until each is ready. */
export async function startWorkers(count: number, config: WorkerConfig): Promise<Worker[]> {
  const workers = Array.from({ length: count }, () => new Worker(config));
  await Promise.all(workers.map((worker) => worker.next('ready')));
  return workers;
}
