import { inspect } from 'node:util';
import { AbortedError, BackendError, RouterError, StreamInterruptedError } from '@router/core';
import type { Message } from '@router/core';
import { closedPort, startSimulator } from '@router/testing';
import type { Fault, Simulator } from '@router/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOpenAICompatibleBackend } from '../src/index.ts';

const messages: Message[] = [{ role: 'user', content: 'Tell me about the café — in two words 🙂' }];
const model = 'sim/errors';
const apiKey = 'sk-secret-errors-0123456789';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ apiKeys: { openai: apiKey } });
});
afterAll(() => simulator.close());
beforeEach(() => simulator.reset());

function backend(dialect: 'openai' | 'openrouter' = 'openai', key = apiKey) {
  return createOpenAICompatibleBackend({ name: 'compat', baseURL: simulator.baseURL(dialect), apiKey: key });
}

/** One call with a fault applied through the simulator's per-request header. */
function withFault(fault: Fault | Fault[]) {
  return { model, headers: { 'x-sim-fault': JSON.stringify(fault) } };
}

function backendError(error: unknown): BackendError {
  expect(BackendError.isInstance(error), `expected a BackendError, got ${String(error)}`).toBe(true);
  return error as BackendError;
}

describe('HTTP status errors', () => {
  it.each([
    [408, true],
    [409, true],
    [404, false],
    [422, false],
    [502, true],
  ])('%i maps to a BackendError with its status (retryable: %s)', async (status, isRetryable) => {
    const error = backendError(await backend().generate(messages, withFault({ kind: 'status', status })).catch((e: unknown) => e));
    expect(error).toMatchObject({ status, isRetryable, backend: 'compat', model });
    expect(error.message).toContain(`HTTP ${status}`);
    expect(simulator.requests).toHaveLength(1);
  });

  it('reads retry-after-ms, Retry-After seconds and Retry-After dates', async () => {
    const client = backend();
    const ms = backendError(
      await client.generate(messages, withFault({ kind: 'status', status: 429, headers: { 'retry-after-ms': '1500' } })).catch((e: unknown) => e),
    );
    expect(ms.retryAfterMs).toBe(1500);
    const seconds = backendError(await client.generate(messages, withFault({ kind: 'status', status: 503, retryAfter: '3' })).catch((e: unknown) => e));
    expect(seconds.retryAfterMs).toBe(3000);
    const sentAt = Date.now();
    const date = new Date(sentAt + 60_000).toUTCString();
    const dated = backendError(await client.generate(messages, withFault({ kind: 'status', status: 429, retryAfter: date })).catch((e: unknown) => e));
    // The date has one-second resolution, and however long the call took has passed since.
    expect(dated.retryAfterMs).toBeGreaterThan(60_000 - 1_000 - (Date.now() - sentAt));
    expect(dated.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('puts the service’s own message in the error and keeps the body', async () => {
    const body = { error: { message: 'model "x" is not loaded', type: 'invalid_request_error', code: 'model_not_found' } };
    const error = backendError(await backend().generate(messages, withFault({ kind: 'status', status: 400, body })).catch((e: unknown) => e));
    expect(error.message).toBe('compat: HTTP 400: model "x" is not loaded');
    expect(JSON.parse(error.responseBody ?? 'null')).toEqual(body.error);
  });

  it('never shows the API key: not in the message, not in the inspected error with its causes', async () => {
    const wrong = 'sk-wrong-key-abcdefghijklmnop';
    const error = backendError(await backend('openai', wrong).generate(messages, { model }).catch((e: unknown) => e));
    expect(error.status).toBe(401);
    for (const secret of [wrong, apiKey]) {
      expect(error.message).not.toContain(secret);
      expect(inspect(error, { depth: 8 })).not.toContain(secret);
    }
  });
});

describe('connection failures', () => {
  it('connection refused is retryable and names the URL', async () => {
    const port = await closedPort();
    const client = createOpenAICompatibleBackend({ name: 'nowhere', baseURL: `http://127.0.0.1:${port}/v1/` });
    const error = backendError(await client.generate(messages, { model }).catch((e: unknown) => e));
    expect(error.isRetryable).toBe(true);
    expect(error.message).toBe(`nowhere: cannot connect to http://127.0.0.1:${port}/v1 (ECONNREFUSED).`);
    expect(error.url).toBe(`http://127.0.0.1:${port}/v1`);
  });

  it('helper routes map failures the same way', async () => {
    const port = await closedPort();
    const client = createOpenAICompatibleBackend({ name: 'nowhere', baseURL: `http://127.0.0.1:${port}/v1` });
    const error = backendError(await client.listModels().catch((e: unknown) => e));
    expect(error.message).toContain(`cannot connect to http://127.0.0.1:${port}/v1`);
  });

  it('helper routes honour an abort', async () => {
    const controller = new AbortController();
    const pending = backend().getJSON('/models', { ...withFault({ kind: 'stall', phase: 'headers', ms: 5_000 }), signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(AbortedError.isInstance(await pending.catch((e: unknown) => e))).toBe(true);
  });
});

describe('broken streams', () => {
  it('an error event inside the stream carries its numeric code as the status', async () => {
    const stream = backend('openrouter').stream(messages, withFault({ kind: 'error-event', afterChunks: 0, code: 502, message: 'upstream went away' }));
    const error = backendError(await stream.collect().catch((e: unknown) => e));
    expect(error).toMatchObject({ status: 502, isRetryable: true });
    expect(error.message).toContain('upstream went away');
  });

  it('an error object in a 200 completion body is an error with its code as the status, not an empty answer', async () => {
    const error = backendError(
      await backend('openrouter').generate(messages, withFault({ kind: 'error-event', code: 502, message: 'upstream went away' })).catch((e: unknown) => e),
    );
    expect(error).toMatchObject({ status: 502, isRetryable: true });
    expect(error.message).toContain('upstream went away');
  });

  it('an error event with a named code is retryable only when the name says it is transient', async () => {
    const client = backend('openrouter');
    const limited = backendError(
      await client.stream(messages, withFault({ kind: 'error-event', afterChunks: 0, code: 'rate_limit_exceeded' })).collect().catch((e: unknown) => e),
    );
    expect(limited.isRetryable).toBe(true);
    const refused = backendError(
      await client.stream(messages, withFault({ kind: 'error-event', afterChunks: 0, code: 'content_policy' })).collect().catch((e: unknown) => e),
    );
    expect(refused.isRetryable).toBe(false);
  });

  it('an error event after some text keeps the text', async () => {
    const stream = backend('openrouter').stream(messages, withFault({ kind: 'error-event', afterChunks: 2, code: 500, message: 'boom' }));
    const error = await stream.collect().catch((e: unknown) => e);
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    expect((error as StreamInterruptedError).partialText).toBe(stream.text);
    expect(stream.text).not.toBe('');
    expect(backendError((error as StreamInterruptedError).cause).status).toBe(500);
  });

  it('a malformed event is a retryable BackendError caused by the SDK’s SyntaxError', async () => {
    const error = backendError(await backend().stream(messages, withFault({ kind: 'malformed-event', afterChunks: 0 })).collect().catch((e: unknown) => e));
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain('malformed event');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('a connection closed before any text is a retryable BackendError that says so', async () => {
    const error = backendError(await backend().stream(messages, withFault({ kind: 'close-mid-stream', afterChunks: 0 })).collect().catch((e: unknown) => e));
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain('closed in the middle of the response');
  });

  it('a stream without its finish frame is an error, not a short answer', async () => {
    const stream = backend().stream(messages, withFault({ kind: 'no-finish' }));
    const error = await stream.collect().catch((e: unknown) => e);
    expect(RouterError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/finish frame/);
  });
});

describe('aborts', () => {
  it('the SDK ends its loop quietly on abort; the caller still gets the abort, with the text so far, and the socket closes', async () => {
    const controller = new AbortController();
    const stream = backend().stream(messages, {
      ...withFault({ kind: 'stall', phase: 'between-chunks', ms: 5_000, afterChunks: 2 }),
      signal: controller.signal,
    });
    const chunks: string[] = [];
    const error = await (async () => {
      try {
        for await (const chunk of stream) {
          chunks.push(chunk);
          if (chunks.length === 2) setTimeout(() => controller.abort(), 10);
        }
      } catch (e) {
        return e;
      }
    })();
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(stream.text).toBe(chunks.join(''));
    await vi.waitFor(() => expect(simulator.requests[0]?.clientAborted).toBe(true), { timeout: 2_000, interval: 5 });
  });

  it('leaving a stream that nothing could cancel (no signal, no deadline) still closes the socket', async () => {
    const stream = backend().stream(messages, withFault({ kind: 'stall', phase: 'between-chunks', ms: 5_000, afterChunks: 2 }));
    const chunks: string[] = [];
    for await (const chunk of stream) if (chunks.push(chunk) === 2) break;
    await expect(stream.completion).rejects.toSatisfy(AbortedError.isInstance);
    await vi.waitFor(() => expect(simulator.requests[0]?.clientAborted).toBe(true), { timeout: 2_000, interval: 5 });
  });
});
