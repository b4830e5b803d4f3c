import { inspect } from 'node:util';
import { createServer } from 'node:net';
import { BackendError, ConfigurationError, StreamInterruptedError } from '@router/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOpenRouterBackend } from '../src/index.ts';
import { caught, testApiKey, useSimulator, user } from './support.ts';

const sim = useSimulator();

/** What each OpenRouter status must become, and a phrase of the advice its message must give. */
const statuses = [
  { status: 400, retryable: false, advice: 'request parameters' },
  { status: 401, retryable: false, advice: 'OPENROUTER_API_KEY' },
  { status: 402, retryable: false, advice: 'add credits' },
  { status: 403, retryable: false, advice: 'Moderation' },
  { status: 408, retryable: true, advice: 'timed out' },
  { status: 429, retryable: true, advice: 'Rate limited' },
  { status: 502, retryable: true, advice: 'provider is down' },
  { status: 503, retryable: true, advice: 'routing preferences' },
] as const;

describe('HTTP errors', () => {
  for (const operation of ['generate', 'stream'] as const) {
    it.each(statuses)(`${operation}: $status becomes a BackendError (retryable: $retryable) that says what to do`, async ({ status, retryable, advice }) => {
      sim.simulator().addFault({ fault: { kind: 'status', status } });
      const backend = sim.backend();
      const error = await caught(() =>
        operation === 'generate' ? backend.generate(user, { model: 'm/a' }) : backend.stream(user, { model: 'm/a' }).collect(),
      );
      if (!BackendError.isInstance(error)) throw error;
      expect(error.status).toBe(status);
      expect(error.isRetryable).toBe(retryable);
      expect(error.message).toContain(advice);
      expect(error.message).toContain(`answered ${status}`);
      expect(error.backend).toBe('openrouter');
      expect(error.model).toBe('m/a');
      expect(error.url).toBe(sim.baseURL());
      // OpenRouter's body is kept for diagnosis.
      expect(JSON.parse(error.responseBody ?? '{}')).toMatchObject({ error: { code: status } });
    });
  }

  it('429 with Retry-After in seconds gives retryAfterMs', async () => {
    sim.simulator().addFault({ fault: { kind: 'status', status: 429, retryAfter: '2' } });
    const error = await caught(() => sim.backend().generate(user, { model: 'm/a' }));
    expect(BackendError.isInstance(error) && error.retryAfterMs).toBe(2000);
  });

  it('429 with Retry-After as an HTTP date gives the time left until then', async () => {
    const sentAt = Date.now();
    sim.simulator().addFault({ fault: { kind: 'status', status: 429, retryAfter: new Date(sentAt + 60_000).toUTCString() } });
    const error = await caught(() => sim.backend().generate(user, { model: 'm/a' }));
    if (!BackendError.isInstance(error)) throw error;
    // The date has one-second resolution, and however long the call took has passed since.
    expect(error.retryAfterMs).toBeGreaterThan(60_000 - 1_000 - (Date.now() - sentAt));
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('503 with Retry-After on a stream gives retryAfterMs', async () => {
    sim.simulator().addFault({ fault: { kind: 'status', status: 503, retryAfter: '3' } });
    const error = await caught(() => sim.backend().stream(user, { model: 'm/a' }).collect());
    expect(BackendError.isInstance(error) && error.retryAfterMs).toBe(3000);
  });

  it("keeps OpenRouter's message and the provider named in its metadata", async () => {
    sim.simulator().addFault({
      fault: { kind: 'status', status: 502, body: { error: { code: 502, message: 'Upstream exploded', metadata: { provider_name: 'Cerebras', error_type: 'provider_unavailable' } } } },
    });
    const error = await caught(() => sim.backend().generate(user, { model: 'm/a' }));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('[Cerebras] Upstream exploded');
  });
});

describe('errors reported inside a stream', () => {
  it('after text: a StreamInterruptedError with the partial text, caused by a typed, retryable error with the code as status', async () => {
    sim.simulator().addFault({ fault: { kind: 'error-event', afterChunks: 2, code: 502, message: 'Provider returned error' } });
    const stream = sim.backend().stream(user, { model: 'm/a' });
    const chunks: string[] = [];
    const error = await caught(async () => {
      for await (const chunk of stream) chunks.push(chunk);
    });
    if (!StreamInterruptedError.isInstance(error)) throw error;
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(error.partialText).toBe(chunks.join(''));
    const cause = error.cause;
    if (!BackendError.isInstance(cause)) throw cause;
    expect(cause.status).toBe(502);
    expect(cause.isRetryable).toBe(true);
    expect(cause.message).toContain('Provider returned error');
    expect(cause.message).toContain('code 502');
  });

  it('before any text: the typed error itself, so core may retry or fail over', async () => {
    sim.simulator().addFault({ fault: { kind: 'error-event', afterChunks: 0, code: 429, message: 'Rate limit exceeded upstream' } });
    const error = await caught(() => sim.backend().stream(user, { model: 'm/a' }).collect());
    if (!BackendError.isInstance(error)) throw error;
    expect(error.status).toBe(429);
    expect(error.isRetryable).toBe(true);
  });

  it('a non-numeric code is not taken for a status; a 4xx code is not retryable', async () => {
    sim.simulator().addFault({ model: 'm/named', fault: { kind: 'error-event', afterChunks: 0, code: 'context_length_exceeded', message: 'Too long' } });
    sim.simulator().addFault({ model: 'm/four', fault: { kind: 'error-event', afterChunks: 0, code: 400, message: 'Bad input' } });
    const named = await caught(() => sim.backend().stream(user, { model: 'm/named' }).collect());
    const four = await caught(() => sim.backend().stream(user, { model: 'm/four' }).collect());
    if (!BackendError.isInstance(named) || !BackendError.isInstance(four)) throw named;
    expect(named.status).toBeUndefined();
    expect(named.message).toContain('context_length_exceeded');
    expect(four.status).toBe(400);
    expect(four.isRetryable).toBe(false);
  });

  it('does not print stream errors to the console (streamText would by default)', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      sim.simulator().addFault({ fault: { kind: 'error-event', afterChunks: 1 } });
      await caught(() => sim.backend().stream(user, { model: 'm/a' }).collect());
      sim.simulator().clearFaults();
      sim.simulator().addFault({ fault: { kind: 'status', status: 500 } });
      await caught(() => sim.backend().stream(user, { model: 'm/a' }).collect());
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
    }
  });

  it('a stream that stops without a finish reason is incomplete and retryable, not a short success', async () => {
    sim.simulator().addFault({ fault: { kind: 'no-finish' } });
    const stream = sim.backend().stream(user, { model: 'm/a' });
    const error = await caught(() => stream.collect());
    const typed = StreamInterruptedError.isInstance(error) ? error.cause : error;
    if (!BackendError.isInstance(typed)) throw error;
    expect(typed.message).toContain('incomplete');
    expect(typed.isRetryable).toBe(true);
  });

  it('a connection closed mid-stream keeps the partial text; the cause is retryable', async () => {
    sim.simulator().addFault({ fault: { kind: 'close-mid-stream', afterChunks: 2 } });
    const stream = sim.backend().stream(user, { model: 'm/a' });
    const error = await caught(() => stream.collect());
    if (!StreamInterruptedError.isInstance(error)) throw error;
    expect(error.partialText).toBe(stream.text);
    expect(error.partialText).not.toBe('');
    expect(BackendError.isInstance(error.cause) && error.cause.isRetryable).toBe(true);
  });

  it('a malformed event is a typed, retryable error (a broken event is a glitch), not a crash', async () => {
    sim.simulator().addFault({ fault: { kind: 'malformed-event', afterChunks: 1 } });
    const error = await caught(() => sim.backend().stream(user, { model: 'm/a' }).collect());
    const typed = StreamInterruptedError.isInstance(error) ? error.cause : error;
    if (!BackendError.isInstance(typed)) throw error;
    expect(typed.message).toContain('cannot read');
    expect(typed.isRetryable).toBe(true);
  });

  it('a malformed completion body is retryable too', async () => {
    sim.simulator().addFault({ fault: { kind: 'malformed-event' } });
    const error = await caught(() => sim.backend().generate(user, { model: 'm/a' }));
    expect(error).toMatchObject({ code: 'backend', isRetryable: true });
  });
});

describe('connection failures', () => {
  it('a reset connection is retryable and names the base URL', async () => {
    sim.simulator().addFault({ fault: { kind: 'reset' } });
    const error = await caught(() => sim.backend().generate(user, { model: 'm/a' }));
    if (!BackendError.isInstance(error)) throw error;
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain(`not reachable at ${sim.baseURL()}`);
  });

  it('a refused connection is retryable and names the base URL', async () => {
    const port = await freePort();
    const baseURL = `http://127.0.0.1:${port}/api/v1`;
    const error = await caught(() => createOpenRouterBackend({ apiKey: testApiKey, baseURL }).stream(user, { model: 'm/a' }).collect());
    if (!BackendError.isInstance(error)) throw error;
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain(baseURL);
  });
});

describe('the API key', () => {
  const saved = process.env.OPENROUTER_API_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.OPENROUTER_API_KEY;
    else process.env.OPENROUTER_API_KEY = saved;
  });

  it.each(['generate', 'stream', 'embed'] as const)('missing: %s fails with a ConfigurationError naming OPENROUTER_API_KEY, before any request', async (operation) => {
    delete process.env.OPENROUTER_API_KEY;
    const backend = createOpenRouterBackend({ baseURL: sim.baseURL() });
    const error = await caught(async () => {
      if (operation === 'generate') await backend.generate(user, { model: 'm/a' });
      else if (operation === 'stream') await backend.stream(user, { model: 'm/a' }).collect();
      else await backend.embed('x', { model: 'e/b' });
    });
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('OPENROUTER_API_KEY');
    expect(sim.requests()).toHaveLength(0);
  });

  it('never appears in an error, even when the service echoes it back', async () => {
    const echo = { error: { code: 401, message: `Invalid key ${testApiKey}`, metadata: { key: testApiKey } } };
    sim.simulator().addFault({ fault: { kind: 'status', status: 401, body: echo } });
    sim.simulator().addFault({ model: 'm/stream', fault: { kind: 'error-event', afterChunks: 1, message: `bad key ${testApiKey}` } });
    // Where our message cuts a long service message short, not even a prefix of the key may remain.
    const long = `${'x'.repeat(395)} ${testApiKey}`;
    sim.simulator().addFault({ model: 'm/long', fault: { kind: 'error-event', afterChunks: 0, message: long } });
    const generateError = await caught(() => sim.backend().generate(user, { model: 'm/a' }));
    const streamError = await caught(() => sim.backend().stream(user, { model: 'm/stream' }).collect());
    const longError = await caught(() => sim.backend().stream(user, { model: 'm/long' }).collect());
    for (const error of [generateError, streamError, longError]) {
      expect(BackendError.isInstance(error) || StreamInterruptedError.isInstance(error)).toBe(true);
      expect(inspect(error, { depth: 10 })).not.toContain(testApiKey.slice(0, 10));
      expect(JSON.stringify(error)).not.toContain(testApiKey.slice(0, 10));
    }
    expect((generateError as BackendError).message).toContain('[redacted]');
  });
});

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
