import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunRequest, WorkerConfig, WorkerMessage } from './protocol.ts';

type Reply<T extends WorkerMessage['type']> = Extract<WorkerMessage, { type: T }>;

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
      if (message.type === 'ready') this.processId = message.processId;
      this.#messages.push(message);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** This worker's process id in Redis, once it is ready. */
  processId = '';

  /** Takes the oldest unread message of a type, once it arrives (rejects if the worker exits first). */
  async next<T extends WorkerMessage['type']>(type: T): Promise<Reply<T>> {
    const exitedFirst = this.exited.then(({ code, signal }) => {
      throw new Error(`worker exited (${code ?? signal}) before sending ${type}: ${this.stderr.trim()}`);
    });
    exitedFirst.catch(() => undefined);
    for (;;) {
      const at = this.#messages.findIndex((message) => message.type === type);
      if (at >= 0) return this.#messages.splice(at, 1)[0] as Reply<T>;
      await Promise.race([new Promise<void>((resolve) => this.#waiters.push(resolve)), exitedFirst]);
    }
  }

  /** Runs calls and waits for their outcomes. */
  async run(request: Omit<RunRequest, 'type'>): Promise<Reply<'done'>> {
    this.child.send({ type: 'run', ...request });
    return this.next('done');
  }

  /** Starts calls; their outcomes come as a `done` message. */
  start(request: Omit<RunRequest, 'type'>): void {
    this.child.send({ type: 'run', ...request });
  }

  /** The breaker as the worker sees it now. */
  async breaker(): Promise<Reply<'state'>> {
    this.child.send({ type: 'state' });
    return this.next('state');
  }

  /** An alias's deployments as the worker's `explain` shows them now. */
  async explain(model: string): Promise<Reply<'explained'>['deployments']> {
    this.child.send({ type: 'explain', model });
    return (await this.next('explained')).deployments;
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
