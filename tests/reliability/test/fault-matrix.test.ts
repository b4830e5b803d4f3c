import {
  createRouter,
  RouterError,
  StreamInterruptedError,
  TimeoutError,
  type Completion,
  type RouterEvent,
  type TimeoutPhase,
} from '@router/core';
import { simulatedReply, startSimulator, type Fault, type Simulator } from '@router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters, createFallback, fallbackDialect, type AdapterCase } from './support/adapters.ts';
import { chatRequests, describeError, drain, messages, waitUntil, watchUnhandledRejections } from './support/harness.ts';

/**
 * Every fault the simulator can inject, for generate and for stream, through
 * a router whose primary backend is the adapter under test, with the outcome
 * each must have. Each row runs in two setups: a retry policy alone, and a
 * retry policy with a fallback (which, when it can serve at once, is taken
 * instead of backing off). Faults are aimed at the first attempt only
 * (per-model rules with `times: 1`) unless the row says every attempt.
 */

type Op = 'generate' | 'stream';
type Setup = 'retry' | 'fallback';
type Served = 'primary' | 'fallback';

/** What a typed error must look like: its `code`, and the fields given. */
interface ErrorShape {
  code: 'backend' | 'timeout';
  status?: number;
  retryable?: boolean;
  retryAfterMs?: number;
  phase?: TimeoutPhase;
  timeoutMs?: number;
}

type Outcome =
  /** The primary served at the first attempt. */
  | { kind: 'ok' }
  /** The first attempt failed with `firstError`; the primary served the second. */
  | { kind: 'ok-after-retry'; firstError: ErrorShape }
  /** The first attempt failed with `firstError`; the fallback served at once. */
  | { kind: 'ok-via-fallback'; firstError: ErrorShape }
  /** A stream failed after text reached the caller: StreamInterruptedError with that text, after one attempt. */
  | { kind: 'interrupted'; cause: ErrorShape; wholeReply?: boolean }
  /** The call failed with `error` after these attempts. */
  | { kind: 'failed'; error: ErrorShape; attempts: Served[] };

interface Row {
  label: string;
  op: Op;
  fault: Fault;
  /** Aim the fault at every request of the call (primary and fallback), not only the first. */
  everyAttempt?: boolean;
  /** The call's end-to-end budget. */
  timeoutMs?: number;
  /**
   * The call's deadline cuts its last attempt, which a busy machine may not even have sent yet: the
   * server's log may lack it, while the router's events show every attempt started.
   */
  deadlineCutsLastAttempt?: boolean;
  retry: Outcome;
  fallback: Outcome;
}

/**
 * Timeouts, set only on the routers of stall rows: the simulator shares this
 * process (and two cores) with the tests, so a healthy but busy response must
 * never meet a timer. Streams' first-chunk and idle limits fire well before
 * the attempt's budget, so their phase shows.
 */
const attemptTimeoutMs = 300;
const streamTimeoutMs = 150;
const stallMs = 5_000;
const retryPolicy = { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 };
const profile = { outputTokens: 12 };

const retryable = (status?: number): ErrorShape => ({ code: 'backend', retryable: true, ...(status !== undefined && { status }) });
const recovered = (firstError: ErrorShape): Pick<Row, 'retry' | 'fallback'> => ({
  retry: { kind: 'ok-after-retry', firstError },
  fallback: { kind: 'ok-via-fallback', firstError },
});
const interrupted = (cause: ErrorShape, wholeReply = false): Pick<Row, 'retry' | 'fallback'> => ({
  retry: { kind: 'interrupted', cause, wholeReply },
  fallback: { kind: 'interrupted', cause, wholeReply },
});
const ok: Pick<Row, 'retry' | 'fallback'> = { retry: { kind: 'ok' }, fallback: { kind: 'ok' } };
const both = (op: Op[], row: (op: Op) => Row): Row[] => op.map(row);

const rows: Row[] = [
  ...both(['generate', 'stream'], (op) => ({
    label: '401 with the dialect’s error body',
    op,
    fault: { kind: 'status', status: 401 },
    retry: { kind: 'failed', error: { code: 'backend', status: 401, retryable: false }, attempts: ['primary'] },
    fallback: { kind: 'failed', error: { code: 'backend', status: 401, retryable: false }, attempts: ['primary'] },
  })),
  ...both(['generate', 'stream'], (op) => ({
    label: '429 with Retry-After: 1',
    op,
    fault: { kind: 'status', status: 429, retryAfter: '1' },
    ...recovered({ ...retryable(429), retryAfterMs: 1_000 }),
  })),
  ...both(['generate', 'stream'], (op) => ({
    label: '500 with a plain-text body',
    op,
    fault: { kind: 'status', status: 500, body: 'Internal Server Error: simulated crash' },
    ...recovered(retryable(500)),
  })),
  ...both(['generate', 'stream'], (op) => ({
    label: '503 with a JSON body and Retry-After: 0',
    op,
    fault: { kind: 'status', status: 503, retryAfter: '0', body: { error: { message: 'overloaded (simulated)' } } },
    ...recovered({ ...retryable(503), retryAfterMs: 0 }),
  })),
  ...both(['generate', 'stream'], (op) => ({
    label: '503 on every attempt',
    op,
    fault: { kind: 'status', status: 503 },
    everyAttempt: true,
    retry: { kind: 'failed', error: retryable(503), attempts: ['primary', 'primary'] },
    fallback: { kind: 'failed', error: retryable(503), attempts: ['primary', 'fallback'] },
  })),
  ...both(['generate', 'stream'], (op) => ({
    label: 'a reset before the headers',
    op,
    fault: { kind: 'reset' },
    ...recovered(retryable()),
  })),
  {
    label: 'a connection closed mid-body',
    op: 'generate',
    fault: { kind: 'close-mid-stream' },
    ...recovered(retryable()),
  },
  {
    label: 'a connection closed after 2 chunks',
    op: 'stream',
    fault: { kind: 'close-mid-stream', afterChunks: 2 },
    ...interrupted(retryable()),
  },
  {
    label: 'a connection closed before the first chunk',
    op: 'stream',
    fault: { kind: 'close-mid-stream', afterChunks: 0 },
    ...recovered(retryable()),
  },
  {
    label: 'a malformed JSON body',
    op: 'generate',
    fault: { kind: 'malformed-event' },
    ...recovered(retryable()),
  },
  {
    label: 'a malformed event after 2 chunks',
    op: 'stream',
    fault: { kind: 'malformed-event', afterChunks: 2 },
    ...interrupted(retryable()),
  },
  {
    label: 'a malformed event before the first chunk',
    op: 'stream',
    fault: { kind: 'malformed-event', afterChunks: 0 },
    ...recovered(retryable()),
  },
  {
    label: 'an error object (code 502) in a 200 body',
    op: 'generate',
    fault: { kind: 'error-event', code: 502 },
    ...recovered(retryable(502)),
  },
  {
    label: 'an error event (code 502) after 2 chunks',
    op: 'stream',
    fault: { kind: 'error-event', afterChunks: 2, code: 502 },
    ...interrupted(retryable(502)),
  },
  {
    label: 'an error event (code 502) before the first chunk',
    op: 'stream',
    fault: { kind: 'error-event', afterChunks: 0, code: 502 },
    ...recovered(retryable(502)),
  },
  {
    label: 'an error event (code 400) before the first chunk',
    op: 'stream',
    fault: { kind: 'error-event', afterChunks: 0, code: 400 },
    retry: { kind: 'failed', error: { code: 'backend', status: 400, retryable: false }, attempts: ['primary'] },
    fallback: { kind: 'failed', error: { code: 'backend', status: 400, retryable: false }, attempts: ['primary'] },
  },
  {
    // A complete JSON body whose finish reason is null is a whole answer, with an unknown finish reason.
    label: 'finish_reason null',
    op: 'generate',
    fault: { kind: 'no-finish' },
    ...ok,
  },
  {
    label: 'no finish frame and no [DONE]',
    op: 'stream',
    fault: { kind: 'no-finish' },
    ...interrupted(retryable(), true),
  },
  {
    label: 'a stall before the headers',
    op: 'generate',
    fault: { kind: 'stall', phase: 'headers', ms: stallMs },
    ...recovered({ code: 'timeout', phase: 'attempt', timeoutMs: attemptTimeoutMs }),
  },
  {
    label: 'a stall before the headers',
    op: 'stream',
    fault: { kind: 'stall', phase: 'headers', ms: stallMs },
    ...recovered({ code: 'timeout', phase: 'first-chunk', timeoutMs: streamTimeoutMs }),
  },
  {
    label: 'a stall before the body',
    op: 'generate',
    fault: { kind: 'stall', phase: 'first-chunk', ms: stallMs },
    ...recovered({ code: 'timeout', phase: 'attempt', timeoutMs: attemptTimeoutMs }),
  },
  {
    label: 'a stall before the first chunk',
    op: 'stream',
    fault: { kind: 'stall', phase: 'first-chunk', ms: stallMs },
    ...recovered({ code: 'timeout', phase: 'first-chunk', timeoutMs: streamTimeoutMs }),
  },
  {
    label: 'a stall in the middle of the body',
    op: 'generate',
    fault: { kind: 'stall', phase: 'between-chunks', ms: stallMs },
    ...recovered({ code: 'timeout', phase: 'attempt', timeoutMs: attemptTimeoutMs }),
  },
  {
    label: 'a stall after 2 chunks',
    op: 'stream',
    fault: { kind: 'stall', phase: 'between-chunks', ms: stallMs, afterChunks: 2 },
    ...interrupted({ code: 'timeout', phase: 'idle', timeoutMs: streamTimeoutMs }),
  },
  ...both(['generate', 'stream'], (op) => {
    // The first attempt times out on its own (300 ms, or 150 ms to the first chunk); the call's deadline cuts the second
    // 10 ms before its own limit could (that limit starts later still). On a busy machine the second request may not
    // reach the server before the deadline: its attempt must still have started.
    const own = op === 'generate' ? attemptTimeoutMs : streamTimeoutMs;
    const timeoutMs = 2 * own - 10;
    const error: ErrorShape = { code: 'timeout', phase: 'total', timeoutMs };
    return {
      label: 'a stall on every attempt, with a call deadline',
      op,
      fault: { kind: 'stall', phase: 'headers', ms: stallMs },
      everyAttempt: true,
      timeoutMs,
      deadlineCutsLastAttempt: true,
      retry: { kind: 'failed', error, attempts: ['primary', 'primary'] },
      fallback: { kind: 'failed', error, attempts: ['primary', 'fallback'] },
    };
  }),
  ...both(['generate', 'stream'], (op) => ({ label: 'CRLF line endings', op, fault: { kind: 'crlf' }, ...ok })),
  ...both(['generate', 'stream'], (op) => ({ label: 'writes split inside lines and characters', op, fault: { kind: 'split-writes' }, ...ok })),
];

watchUnhandledRejections();

let sim: Simulator;
beforeAll(async () => {
  // Enough Featherless plan units that the plan never refuses a request here: faults come only from the rules.
  sim = await startSimulator({ defaultProfile: profile, featherless: { planUnits: 64 } });
});
afterAll(() => sim.close());

function expectErrorShape(error: unknown, shape: ErrorShape, what: string): void {
  expect(RouterError.isInstance(error), `${what}: a typed error, got ${describeError(error)}`).toBe(true);
  const typed = error as RouterError;
  expect(typed.code, `${what}: ${describeError(error)}`).toBe(shape.code);
  if (shape.status !== undefined) expect(typed.status, `${what}: status`).toBe(shape.status);
  if (shape.retryable !== undefined) expect(typed.isRetryable, `${what}: isRetryable`).toBe(shape.retryable);
  if (shape.retryAfterMs !== undefined) expect(typed.retryAfterMs, `${what}: retryAfterMs`).toBe(shape.retryAfterMs);
  if (shape.phase !== undefined || shape.timeoutMs !== undefined) {
    expect(TimeoutError.isInstance(typed), `${what}: a TimeoutError`).toBe(true);
    const timeout = typed as TimeoutError;
    if (shape.phase !== undefined) expect(timeout.phase, `${what}: phase`).toBe(shape.phase);
    if (shape.timeoutMs !== undefined) expect(timeout.timeoutMs, `${what}: timeoutMs`).toBe(shape.timeoutMs);
  }
}

/** Who must have been asked, in order. */
function expectedAttempts(outcome: Outcome): Served[] {
  switch (outcome.kind) {
    case 'ok':
    case 'interrupted':
      return ['primary'];
    case 'ok-after-retry':
      return ['primary', 'primary'];
    case 'ok-via-fallback':
      return ['primary', 'fallback'];
    case 'failed':
      return outcome.attempts;
  }
}

interface Result {
  completion?: Completion;
  error?: unknown;
  /** Streams: the chunks the caller received. */
  chunks?: string[];
}

async function call(router: ReturnType<typeof createRouter>, op: Op, model: string, timeoutMs: number | undefined): Promise<Result> {
  const options = { model, ...(timeoutMs !== undefined && { timeoutMs }) };
  if (op === 'generate') {
    try {
      return { completion: await router.generate(messages, options) };
    } catch (error) {
      return { error };
    }
  }
  const stream = router.stream(messages, options);
  const { chunks, error } = await drain(stream);
  if (error !== undefined) {
    await expect(stream.completion, 'the completion rejects with the loop’s error').rejects.toBe(error);
    return { error, chunks };
  }
  return { completion: await stream.completion, chunks };
}

describe.each(adapters)('fault matrix: $name', (adapter: AdapterCase) => {
  const fallback = fallbackDialect(adapter.dialect);

  describe.concurrent.each(rows.flatMap((row, index) => (['retry', 'fallback'] satisfies Setup[]).map((setup) => ({ row, index, setup }))))(
    '$row.op: $row.label ($setup)',
    ({ row, index, setup }) => {
      const outcome: Outcome = row[setup];
      it(`${outcome.kind}`, async () => {
        const model = `${adapter.name}-${row.op}-${index}-${setup}`;
        const fallbackModel = `${model}-fb`;
        const events: RouterEvent[] = [];
        const timeouts = row.fault.kind === 'stall' ? { attemptTimeoutMs, firstChunkTimeoutMs: streamTimeoutMs, idleTimeoutMs: streamTimeoutMs } : {};
        const router = createRouter({
          backends: { primary: adapter.create(sim.baseURL(adapter.dialect), 'primary'), fallback: createFallback(sim.baseURL(fallback)) },
          default: 'primary',
          reliability: {
            primary: { retry: retryPolicy, ...timeouts, ...(setup === 'fallback' && { fallbacks: [{ backend: 'fallback', model: fallbackModel }] }) },
            fallback: timeouts,
          },
          listeners: [(event) => events.push(event)],
          timingLog: false,
        });
        sim.addFault({ model, dialect: adapter.dialect, fault: row.fault, ...(!row.everyAttempt && { times: 1 }) });
        if (row.everyAttempt) sim.addFault({ model: fallbackModel, dialect: fallback, fault: row.fault });

        const { completion, error, chunks } = await call(router, row.op, model, row.timeoutMs);

        // The simulator's log: who was asked, in order, and every exchange ended (no socket left open).
        const dialects = { primary: adapter.dialect, fallback };
        const logged = chatRequests(sim, [model, fallbackModel]);
        const said = completion ? `it completed: ${JSON.stringify(completion.text)}, finish ${completion.finishReason}` : describeError(error);
        const expected = expectedAttempts(outcome).map((who) => dialects[who]);
        const asked = logged.map((request) => request.dialect);
        if (row.deadlineCutsLastAttempt && asked.length === expected.length - 1) {
          expect(asked, `dialects asked, in order (${said})`).toEqual(expected.slice(0, -1));
          const started = events.filter((event) => event.type === 'attempt-start').map((event) => event.backend);
          expect(started, 'every attempt started, the last one cut by the deadline before its request left').toEqual(expectedAttempts(outcome));
        } else {
          expect(asked, `dialects asked, in order (${said})`).toEqual(expected);
        }
        await waitUntil('every request ended', () => logged.every((request) => request.endedAt !== undefined));
        if (row.fault.kind === 'stall') expect(logged[0]?.clientAborted, 'the timed-out request’s socket was closed').toBe(true);

        const replies = {
          primary: simulatedReply({ model, messages, profile }),
          fallback: simulatedReply({ model: fallbackModel, messages, profile }),
        };
        const firstAttemptError = events.find((event) => event.type === 'attempt-end' && event.attempt === 1 && event.error !== undefined);

        if (outcome.kind === 'ok' || outcome.kind === 'ok-after-retry' || outcome.kind === 'ok-via-fallback') {
          expect(error, `the call succeeds, got ${describeError(error)}`).toBeUndefined();
          const served: Served = outcome.kind === 'ok-via-fallback' ? 'fallback' : 'primary';
          expect(completion?.backend).toBe(served);
          expect(completion?.attempts).toBe(logged.length);
          expect(completion?.text, 'the text of the server that served, once').toBe(replies[served]);
          if (chunks) expect(chunks.join(''), 'the chunks are the final text').toBe(completion?.text);
          if (outcome.kind !== 'ok') {
            expect(firstAttemptError, 'the first attempt failed').toBeDefined();
            if (firstAttemptError?.type === 'attempt-end') expectErrorShape(firstAttemptError.error, outcome.firstError, 'the first attempt’s error');
          }
          return;
        }

        if (outcome.kind === 'interrupted') {
          expect(StreamInterruptedError.isInstance(error), `StreamInterruptedError, got ${describeError(error)}`).toBe(true);
          const { partialText, cause } = error as StreamInterruptedError;
          expect(chunks?.length, 'text reached the caller').toBeGreaterThan(0);
          expect(partialText, 'the partial text is what the caller received').toBe(chunks?.join(''));
          expect(replies.primary.startsWith(partialText), 'the partial text is the start of the reply').toBe(true);
          expect(partialText === replies.primary, 'the whole reply arrived').toBe(outcome.wholeReply);
          expectErrorShape(cause, outcome.cause, 'the interruption’s cause');
          return;
        }

        expectErrorShape(error, outcome.error, 'the call’s error');
        if (chunks) expect(chunks, 'no text reached the caller').toEqual([]);
      });
    },
  );
});
