import { type Backend, type BackendCall, type BackendEmbedCall, type Message, type StreamPart } from '../../src/index.ts';
import { createBackend } from '../../src/adapter.ts';

/** What one call does. Unscripted calls answer `reply` at once. */
export interface Step {
  /** Thrown (before any chunk, or after `afterChunks` chunks of a stream). */
  error?: unknown;
  afterChunks?: number;
  /** Wait before answering (or before the first chunk), honouring abort. */
  delayMs?: number;
  /** Wait between chunks, honouring abort. */
  chunkDelayMs?: number;
  /** Never answer: wait until aborted. */
  hang?: boolean;
}

export interface ScriptedOptions {
  name?: string;
  /** One step per call, in order; calls beyond the script succeed. */
  script?: Step[];
  /** The reply text; streamed as one chunk per word (with its trailing space). */
  reply?: string;
  costOf?: (model: string) => number;
  abortGraceMs?: number;
  /** Applied to every call that has no scripted step. */
  step?: Step;
}

export interface CallRecord {
  call: BackendCall | BackendEmbedCall;
  /** performance.now() when the request reached the backend. */
  at: number;
  /** Milliseconds the backend had left when it started. */
  remainingMs: number;
}

export interface Scripted extends Backend {
  calls: CallRecord[];
  /** Requests open right now, and the most open at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
}


export const chunksOf = (text: string): string[] => text.split(/(?<= )/);

/**
 * Waits `ms` (forever when undefined) or until `signal` aborts, on the global timer functions, so a
 * test that installs fake timers drives the backend's delays too.
 */
function sleep(ms: number | undefined, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abortError = (): Error => new DOMException('This operation was aborted', 'AbortError');
    if (signal.aborted) return reject(abortError());
    const timer = ms === undefined ? undefined : setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An in-memory backend built on createBackend, as every adapter is, whose calls follow a script. */
export function scriptedBackend(options: ScriptedOptions = {}): Scripted {
  const name = options.name ?? 'scripted';
  const script = [...(options.script ?? [])];
  const reply = options.reply ?? `answer from ${name} `;
  const calls: CallRecord[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const begin = async (call: BackendCall | BackendEmbedCall): Promise<Step> => {
    calls.push({ call, at: performance.now(), remainingMs: call.remainingMs() });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const step = script.shift() ?? options.step ?? {};
    if (step.hang) await sleep(undefined, call.signal);
    if (step.delayMs) await sleep(step.delayMs, call.signal);
    return step;
  };

  const backend = createBackend({
    name,
    capabilities: { embeddings: true },
    ...(options.costOf && { costOf: options.costOf }),
    ...(options.abortGraceMs && { abortGraceMs: options.abortGraceMs }),
    async generate(call) {
      try {
        const step = await begin(call);
        if (step.error !== undefined) throw step.error;
        return { text: reply, finishReason: 'stop' };
      } finally {
        inFlight--;
      }
    },
    async *stream(call): AsyncGenerator<StreamPart> {
      try {
        const step = await begin(call);
        const chunks = chunksOf(reply);
        for (let i = 0; i < chunks.length; i++) {
          if (step.error !== undefined && i === (step.afterChunks ?? 0)) throw step.error;
          if (i > 0 && step.chunkDelayMs) await sleep(step.chunkDelayMs, call.signal);
          yield { type: 'text', text: chunks[i]! };
        }
        if (step.error !== undefined) throw step.error;
        yield { type: 'finish', finishReason: 'stop' };
      } finally {
        inFlight--;
      }
    },
    async embed(call) {
      try {
        const step = await begin(call);
        if (step.error !== undefined) throw step.error;
        return { embeddings: call.input.map((text) => [text.length]) };
      } finally {
        inFlight--;
      }
    },
  });
  // Getters, not values: Object.assign would copy today's counts.
  return Object.defineProperties(Object.assign(backend, { calls }), {
    inFlight: { get: () => inFlight },
    maxInFlight: { get: () => maxInFlight },
  }) as Scripted;
}

export const messages: Message[] = [{ role: 'user', content: 'hello' }];

/** Collects every unhandled rejection while `run` runs (and one turn of the event loop after, so late ones are caught). */
export async function unhandledRejectionsDuring(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  try {
    await run();
    // Node reports an unhandled rejection at the end of the turn it happened in: one more turn catches the late ones.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  return seen;
}
