import { AbortedError, createRouter, StreamInterruptedError, type Router, type RouterEvent } from '@router/core';
import { ConcurrencyLimiter } from '@router/core/reliability';
import { simulatedReply, startSimulator, type LoggedRequest, type Simulator } from '@router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters, type AdapterCase } from './support/adapters.ts';
import { chatRequests, describeError, drain, messages, waitUntil, watchUnhandledRejections } from './support/harness.ts';

/**
 * What the router does with time, checked by order of events on the
 * simulator's clock: a `Retry-After` is waited out in full, and an abort
 * frees the concurrency slot and closes the socket (the next call gets the
 * slot only after the abort). How fast each reaction is, is the bench's
 * business: a busy machine must not fail these tests.
 */

/** Date.now() steps in whole milliseconds on both sides of the socket. */
const clockStepMs = 1;
const profile = { outputTokens: 12 };

watchUnhandledRejections();

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    defaultProfile: profile,
    models: {
      // Streams that last (12 chunks at 20 per second) and answers that take long to start.
      'slow-stream': { tokensPerSecond: 20 },
      'slow-answer': { ttftMs: 5_000 },
    },
    featherless: { planUnits: 64 },
  });
});
afterAll(() => sim.close());

function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/** An abort, as a stream reports it: the AbortedError itself, or a StreamInterruptedError it caused. */
function isAbort(error: unknown): boolean {
  return AbortedError.isInstance(error) || (StreamInterruptedError.isInstance(error) && AbortedError.isInstance(error.cause));
}

function only(requests: LoggedRequest[], what: string): LoggedRequest {
  expect(requests, what).toHaveLength(1);
  return requests[0]!;
}

/**
 * One success and one HTTP error per operation, so the timings below measure
 * the waits, not the SDK's first-call costs (which reach tens of milliseconds).
 */
async function warmUp(adapter: AdapterCase): Promise<void> {
  const backend = adapter.create(sim.baseURL(adapter.dialect), 'warm-up');
  const model = `${adapter.name}-warm-up-error`;
  sim.addFault({ model, fault: { kind: 'status', status: 429, retryAfter: '1' } });
  await backend.generate(messages, { model: `${adapter.name}-warm-up` });
  await backend.stream(messages, { model: `${adapter.name}-warm-up` }).collect();
  await expect(backend.generate(messages, { model })).rejects.toThrow();
  await expect(backend.stream(messages, { model }).collect()).rejects.toThrow();
}

describe.each(adapters)('timing: $name', (adapter: AdapterCase) => {
  beforeAll(() => warmUp(adapter));

  describe.concurrent('Retry-After', () => {
    it.each(['generate', 'stream'] as const)('%s: Retry-After: 1 is waited out in full', async (op) => {
      const model = `${adapter.name}-retry-after-${op}`;
      const events: { event: RouterEvent; at: number }[] = [];
      const router = createRouter({
        backends: { primary: adapter.create(sim.baseURL(adapter.dialect), 'primary') },
        default: 'primary',
        reliability: { primary: { retry: { maxAttempts: 2 } } },
        listeners: [(event) => events.push({ event, at: Date.now() })],
        timingLog: false,
      });
      sim.addFault({ model, times: 1, fault: { kind: 'status', status: 429, retryAfter: '1' } });

      const text = op === 'generate' ? (await router.generate(messages, { model })).text : (await router.stream(messages, { model }).collect()).text;

      expect(text).toBe(simulatedReply({ model, messages, profile }));
      const [first, second, ...more] = chatRequests(sim, [model]);
      expect(more, 'two attempts').toEqual([]);
      expect(first?.status).toBe(429);
      expect(second?.status).toBe(200);
      const retry = events.find(({ event }) => event.type === 'retry');
      expect(retry?.event).toMatchObject({ delayMs: 1_000 });
      const retried = events.findLast(({ event }) => event.type === 'attempt-start');
      const gapMs = second!.startedAt - first!.endedAt!;
      // Where the time went, should the bound be missed: the client's reaction, the sleep, the new request.
      const breakdown = `429 seen after ${retry!.at - first!.endedAt!} ms, slept ${retried!.at - retry!.at} ms, request sent in ${second!.startedAt - retried!.at} ms`;
      expect(gapMs, `the retry waited the full second (${breakdown})`).toBeGreaterThanOrEqual(1_000 - clockStepMs);
    });

    it('an abort during a Retry-After backoff ends the call at once, with no second request', async () => {
      const model = `${adapter.name}-abort-in-backoff`;
      let backoffStarted = (): void => {};
      const inBackoff = new Promise<void>((resolve) => (backoffStarted = resolve));
      const router = createRouter({
        backends: { primary: adapter.create(sim.baseURL(adapter.dialect), 'primary') },
        default: 'primary',
        reliability: { primary: { retry: { maxAttempts: 2 } } },
        listeners: [(event) => event.type === 'retry' && backoffStarted()],
        timingLog: false,
      });
      sim.addFault({ model, fault: { kind: 'status', status: 429, retryAfter: '1' } });
      const controller = new AbortController();
      const failing = rejectionOf(router.generate(messages, { model, signal: controller.signal }));
      await inBackoff;

      controller.abort();
      // Had the abort not ended the backoff, the retry would run and fail on its own 429: not an AbortedError.
      const error = await failing;
      expect(AbortedError.isInstance(error), describeError(error)).toBe(true);
      const [first] = chatRequests(sim, [model]);
      // Past the moment the retry was due: still only the first request. (A wait, not a synchronisation: a late
      // request could only be missed here, never make the test fail wrongly.)
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(chatRequests(sim, [model])).toEqual([first]);
    });
  });

  describe('an abort frees the slot and closes the socket', () => {
    let limiter: ConcurrencyLimiter;
    let router: Router;
    beforeAll(() => {
      limiter = new ConcurrencyLimiter({ limit: 1 });
      router = createRouter({
        backends: { primary: adapter.create(sim.baseURL(adapter.dialect), 'primary') },
        default: 'primary',
        reliability: { primary: { limiter } },
        timingLog: false,
      });
    });

    /**
     * Starts `holder` (which takes the only slot and must have reached the
     * simulator when it resolves), queues a quick call behind it, aborts the
     * holder, and checks the slot and socket: the holder's socket closed, and
     * the waiter's request reached the simulator only after the abort.
     */
    async function abortHolder(label: string, holder: (signal: AbortSignal) => Promise<{ settled: Promise<unknown> }>): Promise<unknown> {
      const controller = new AbortController();
      const { settled } = await holder(controller.signal);
      const held = only(chatRequests(sim, ['slow-stream', 'slow-answer']).filter((request) => request.endedAt === undefined), `${label}: the holder's request`);
      expect(limiter.active).toBe(1);

      const waiterModel = `${adapter.name}-waiter-${label}`;
      const waiter = router.generate(messages, { model: waiterModel });
      await waitUntil('the second call waits in the queue', () => limiter.queued === 1);

      const abortedAt = Date.now();
      controller.abort();
      const error = await settled;
      const completion = await waiter;
      await waitUntil('the holder’s request ended', () => held.endedAt !== undefined);

      expect(held.clientAborted, 'the client closed the holder’s socket').toBe(true);
      expect(held.endedAt!, 'the socket closed after the abort').toBeGreaterThanOrEqual(abortedAt - clockStepMs);
      const next = only(chatRequests(sim, [waiterModel]), 'the waiter’s request');
      expect(next.startedAt, 'the queued call got the slot only after the abort').toBeGreaterThanOrEqual(abortedAt - clockStepMs);
      expect(completion.text).toBe(simulatedReply({ model: waiterModel, messages, profile }));
      expect(limiter.active).toBe(0);
      return error;
    }

    it('generate, aborted while waiting for the response', async () => {
      const error = await abortHolder('generate', async (signal) => {
        const settled = rejectionOf(router.generate(messages, { model: 'slow-answer', signal }));
        await waitUntil('the request reached the simulator', () => sim.inFlight === 1);
        return { settled };
      });
      expect(AbortedError.isInstance(error), describeError(error)).toBe(true);
    });

    it('stream, aborted while the caller is not reading', async () => {
      let chunks: string[] = [];
      const error = await abortHolder('stream', async (signal) => {
        const iterator = router.stream(messages, { model: 'slow-stream', signal })[Symbol.asyncIterator]();
        const first = await iterator.next();
        chunks = first.done ? [] : [first.value];
        // Nobody reads on until after the checks: the abort alone must free the slot.
        return { settled: drain({ [Symbol.asyncIterator]: () => iterator }).then((drained) => drained.error) };
      });
      expect(isAbort(error), describeError(error)).toBe(true);
      expect(chunks.length, 'text had arrived before the abort').toBe(1);
    });

    it('a call aborted in the queue leaves it at once, without a request', async () => {
      const holder = new AbortController();
      const holding = rejectionOf(router.generate(messages, { model: 'slow-answer', signal: holder.signal }));
      await waitUntil('the holder reached the simulator', () => sim.inFlight === 1);
      const queued = new AbortController();
      const model = `${adapter.name}-aborted-in-queue`;
      const waiting = rejectionOf(router.generate(messages, { model, signal: queued.signal }));
      await waitUntil('the call waits in the queue', () => limiter.queued === 1);

      queued.abort();
      // The holder keeps the slot for 5 s: settling before it is freed means the call left the queue.
      const error = await waiting;
      expect(AbortedError.isInstance(error), describeError(error)).toBe(true);
      expect(limiter.active, 'the holder still has the slot').toBe(1);
      expect(limiter.queued).toBe(0);
      holder.abort();
      await holding;
      expect(chatRequests(sim, [model]), 'no request was sent').toEqual([]);
      // The aborted holder's slot comes back after its backend's abortGraceMs (Featherless's), if any.
      await waitUntil('the holder’s slot is free', () => limiter.active === 0);
    });
  });
});
