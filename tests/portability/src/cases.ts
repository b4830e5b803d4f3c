/**
 * @router/core's promises that lean on the runtime: streams, stream timeouts,
 * abort, deadlines, retries and the limiter. Web-standard APIs only
 * (timers, AbortController, promises), so the same cases run on Node, Deno
 * and Bun; the backend is in memory, built on `createBackend` as every
 * adapter is.
 */
import {
  AbortedError,
  BackendError,
  createRouter,
  QueueFullError,
  StreamInterruptedError,
  TimeoutError,
  type Backend,
  type BackendCall,
  type StreamPart,
} from '@router/core';
import { createBackend } from '@router/core/adapter';
import { ConcurrencyLimiter, withReliability } from '@router/core/reliability';
import { assert, assertEqual, rejection, wait, type PortableCase } from './harness.ts';

const msgs = [{ role: 'user' as const, content: 'hi' }];

interface Script {
  /** Chunks of the reply, in order. */
  words?: string[];
  /** Milliseconds before each chunk (none where unset). */
  gapsMs?: (number | undefined)[];
  /** Never answer: wait for the abort. */
  hang?: boolean;
  /** Thrown instead of answering. */
  error?: () => unknown;
  /** Milliseconds a generate call takes. */
  delayMs?: number;
}

interface Probe extends Backend {
  calls: number;
  inFlight: number;
  maxInFlight: number;
  /** The signals calls were handed, to see that an abort reached the backend. */
  signals: AbortSignal[];
}

/** An in-memory backend whose calls follow `next()` (one script per call). */
export function probeBackend(next: () => Script): Probe {
  const begin = (call: BackendCall): Script => {
    probe.calls++;
    probe.signals.push(call.signal);
    return next();
  };
  const backend = createBackend({
    name: 'probe',
    async generate(call) {
      const script = begin(call);
      probe.inFlight++;
      probe.maxInFlight = Math.max(probe.maxInFlight, probe.inFlight);
      try {
        if (script.hang) await wait(1e9, call.signal);
        if (script.delayMs !== undefined) await wait(script.delayMs, call.signal);
        if (script.error) throw script.error();
        return { text: (script.words ?? ['ok']).join(''), finishReason: 'stop' };
      } finally {
        probe.inFlight--;
      }
    },
    async *stream(call): AsyncGenerator<StreamPart> {
      const script = begin(call);
      if (script.hang) await wait(1e9, call.signal);
      if (script.error) throw script.error();
      for (const [i, text] of (script.words ?? ['ok']).entries()) {
        const gap = script.gapsMs?.[i];
        if (gap !== undefined) await wait(gap, call.signal);
        yield { type: 'text', text };
      }
      yield { type: 'finish', finishReason: 'stop' };
    },
  });
  const probe: Probe = Object.assign(backend, { calls: 0, inFlight: 0, maxInFlight: 0, signals: [] as AbortSignal[] });
  return probe;
}

export const always = (script: Script) => (): Script => script;

/**
 * `setTimeout` as browsers and workers have it: it returns a number, with no
 * `refresh()` or `unref()`. Deno and Bun now return Node-like objects, so the
 * shim is how their runs check that core needs nothing more.
 */
async function withNumericTimers(body: () => Promise<void>): Promise<void> {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let nextId = 1;
  const set = (handler: () => void, ms?: number): number => {
    const id = nextId++;
    timers.set(
      id,
      realSet(() => {
        timers.delete(id);
        handler();
      }, ms),
    );
    return id;
  };
  const clear = (id: unknown): void => {
    if (typeof id !== 'number') return realClear(id as ReturnType<typeof setTimeout>);
    realClear(timers.get(id));
    timers.delete(id);
  };
  Object.assign(globalThis, { setTimeout: set, clearTimeout: clear });
  try {
    await body();
  } finally {
    Object.assign(globalThis, { setTimeout: realSet, clearTimeout: realClear });
  }
}

const words = (n: number): string[] => Array.from({ length: n }, (_, i) => `w${i} `);

/** Eight gaps of 150 ms under a 1 s idle limit: 1.2 s in all, so the limit holds only if each chunk re-arms it. */
async function idleAcrossChunks(): Promise<void> {
  const reply = words(9);
  const gapsMs = [undefined, ...Array.from({ length: 8 }, () => 150)];
  const backend = probeBackend(always({ words: reply, gapsMs }));
  const completion = await backend.stream(msgs, { model: 'm', idleTimeoutMs: 1_000 }).collect();
  assertEqual(completion.text, reply.join(''), 'text');
}

export const portableCases: readonly PortableCase[] = [
  {
    name: 'router: created with its defaults (the timing log reads the environment) and routing a call',
    async run() {
      // Deno runs this without --allow-env: reading the environment throws there, and must leave the log off.
      const router = createRouter({ backends: { probe: probeBackend(always({ words: ['routed'] })) }, default: 'probe' });
      assertEqual((await router.generate(msgs, { model: 'm' })).text, 'routed', 'text');
    },
  },
  {
    name: 'stream: chunks in order, then the completion with its metadata',
    async run() {
      const reply = words(20);
      const stream = probeBackend(always({ words: reply })).stream(msgs, { model: 'm' });
      const seen: string[] = [];
      for await (const chunk of stream) seen.push(chunk);
      assertEqual(seen, reply, 'chunks');
      const completion = await stream.completion;
      assertEqual([completion.text, completion.finishReason, completion.backend], [reply.join(''), 'stop', 'probe'], 'completion');
    },
  },
  {
    name: 'stream timeouts: idleTimeoutMs is re-armed by every chunk',
    run: idleAcrossChunks,
  },
  {
    name: 'stream timeouts: idleTimeoutMs across chunks where setTimeout returns a number',
    run: () => withNumericTimers(idleAcrossChunks),
  },
  {
    name: 'stream timeouts: a gap longer than idleTimeoutMs ends the stream with an idle timeout and the partial text',
    async run() {
      const backend = probeBackend(always({ words: ['a ', 'b ', 'c '], gapsMs: [undefined, undefined, 400] }));
      const error = await rejection(backend.stream(msgs, { model: 'm', idleTimeoutMs: 50 }).collect(), 'idle stream');
      assert(StreamInterruptedError.isInstance(error), `expected StreamInterruptedError, got ${String(error)}`);
      assertEqual(error.partialText, 'a b ', 'partial text');
      assert(TimeoutError.isInstance(error.cause) && error.cause.phase === 'idle', `cause: ${String(error.cause)}`);
      assert(backend.signals[0]!.aborted, 'the backend saw the abort');
    },
  },
  {
    name: 'stream timeouts: firstChunkTimeoutMs fires while the backend says nothing',
    async run() {
      await withNumericTimers(async () => {
        const backend = probeBackend(always({ hang: true }));
        const error = await rejection(backend.stream(msgs, { model: 'm', firstChunkTimeoutMs: 30 }).collect(), 'silent stream');
        assert(TimeoutError.isInstance(error) && error.phase === 'first-chunk', `expected a first-chunk timeout, got ${String(error)}`);
      });
    },
  },
  {
    name: 'deadline: timeoutMs ends a call that never answers',
    async run() {
      const backend = probeBackend(always({ hang: true }));
      const error = await rejection(backend.generate(msgs, { model: 'm', timeoutMs: 30 }), 'hanging call');
      assert(TimeoutError.isInstance(error) && error.phase === 'total', `expected a total timeout, got ${String(error)}`);
      assert(backend.signals[0]!.aborted, 'the backend saw the abort');
    },
  },
  {
    name: 'abort: the caller aborts mid-stream; the backend sees it and the completion settles',
    async run() {
      const backend = probeBackend(always({ words: ['a ', 'b '], gapsMs: [undefined, 1e9] }));
      const controller = new AbortController();
      const stream = backend.stream(msgs, { model: 'm', signal: controller.signal });
      const iterator = stream[Symbol.asyncIterator]();
      assertEqual((await iterator.next()).value, 'a ', 'first chunk');
      const second = iterator.next();
      controller.abort();
      assert(AbortedError.isInstance(await rejection(second, 'aborted read')), 'the read ends with AbortedError');
      assert(backend.signals[0]!.aborted, 'the backend saw the abort');
      assert(AbortedError.isInstance(await rejection(stream.completion, 'completion')), 'the completion rejects with AbortedError');
    },
  },
  {
    name: 'abort: a signal aborted before the call fails it before the backend is asked',
    async run() {
      const backend = probeBackend(always({}));
      const error = await rejection(backend.generate(msgs, { model: 'm', signal: AbortSignal.abort() }), 'pre-aborted call');
      assert(AbortedError.isInstance(error), `expected AbortedError, got ${String(error)}`);
      assertEqual(backend.calls, 0, 'backend calls');
    },
  },
  {
    name: 'retries: two 503s, then an answer, with backoff on the runtime timers',
    async run() {
      const script: Script[] = [
        { error: () => new BackendError('503', { status: 503, isRetryable: true }) },
        { error: () => new BackendError('503', { status: 503, isRetryable: true }) },
        { words: ['third ', 'time'] },
      ];
      const backend = probeBackend(() => script.shift() ?? {});
      const client = withReliability(backend, { retry: { maxAttempts: 3, baseDelayMs: 5 } });
      const completion = await client.generate(msgs, { model: 'm' });
      assertEqual([completion.text, completion.attempts, backend.calls], ['third time', 3, 3], 'text, attempts, calls');
    },
  },
  {
    name: 'retries: a stream that fails before its first chunk is retried',
    async run() {
      const script: Script[] = [{ error: () => new BackendError('502', { status: 502, isRetryable: true }) }, { words: ['a ', 'b'] }];
      const backend = probeBackend(() => script.shift() ?? {});
      const client = withReliability(backend, { retry: { maxAttempts: 2, baseDelayMs: 5 } });
      const completion = await client.stream(msgs, { model: 'm' }).collect();
      assertEqual([completion.text, completion.attempts], ['a b', 2], 'text, attempts');
    },
  },
  {
    name: 'limiter: never more than the limit in flight; every call served in turn',
    async run() {
      const backend = probeBackend(always({ delayMs: 10 }));
      const limiter = new ConcurrencyLimiter({ limit: 2, maxQueue: 10, queueTimeoutMs: 60_000 });
      const client = withReliability(backend, { limiter });
      const results = await Promise.all(Array.from({ length: 8 }, () => client.generate(msgs, { model: 'm' })));
      assertEqual([results.length, backend.maxInFlight, limiter.active, limiter.queued], [8, 2, 0, 0], 'served, most in flight, active, queued');
    },
  },
  {
    name: 'limiter: a full queue refuses at once; a queue wait times out on its own timer',
    async run() {
      const backend = probeBackend(always({ hang: true }));
      const limiter = new ConcurrencyLimiter({ limit: 1, maxQueue: 1, queueTimeoutMs: 30 });
      const client = withReliability(backend, { limiter });
      const controller = new AbortController();
      const holder = client.generate(msgs, { model: 'm', signal: controller.signal }).catch((error: unknown) => error);
      const waiter = rejection(client.generate(msgs, { model: 'm' }), 'queued call');
      const refused = await rejection(client.generate(msgs, { model: 'm' }), 'call beyond maxQueue');
      assert(QueueFullError.isInstance(refused), `expected QueueFullError, got ${String(refused)}`);
      const timedOut = await waiter;
      assert(TimeoutError.isInstance(timedOut) && timedOut.phase === 'queue', `expected a queue timeout, got ${String(timedOut)}`);
      controller.abort();
      assert(AbortedError.isInstance(await holder), 'the holder ends with its abort');
      assertEqual([limiter.active, limiter.queued], [0, 0], 'active, queued after the abort');
    },
  },
];
