import { BackendError, ConfigurationError, StreamInterruptedError, TimeoutError } from '@router/core';
import type { Message } from '@router/core';
import { closedPort, simulatedReply, startSimulator } from '@router/testing';
import type { Fault, LoggedRequest, Simulator } from '@router/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMlxBackend } from '../src/index.ts';

const messages: Message[] = [{ role: 'user', content: 'Describe the naïve café in Zürich — briefly 🙂' }];
const coldStartMs = 150;

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ mlx: { coldStartMs } });
});
afterAll(() => simulator.close());
beforeEach(() => simulator.reset());
afterEach(() => vi.unstubAllEnvs());

/** Each test uses its own model id: the simulator's cold start is per model. */
let modelCount = 0;
function freshModel(): string {
  modelCount += 1;
  return `mlx-community/test-model-${modelCount}`;
}

function omni() {
  return createMlxBackend({ baseURL: simulator.baseURL('mlx') });
}

function withFault(model: string, fault: Fault) {
  return { model, headers: { 'x-sim-fault': JSON.stringify(fault) } };
}

function requestsFor(model: string): LoggedRequest[] {
  return simulator.requests.filter((request) => request.model === model);
}

describe('mlx-omni-server stream quirks', () => {
  it('role in every delta, no finish_reason keys and the repeated finish chunk give the text once and usage once', async () => {
    const model = freshModel();
    const client = omni();
    const streamed = await client.stream(messages, { model }).collect();
    const generated = await client.generate(messages, { model });
    expect(streamed.text).toBe(simulatedReply({ model, messages, maxTokens: 4096 }));
    expect(streamed.finishReason).toBe('stop');
    // The repeated finish chunk carries usage too: it must be counted once, not summed.
    expect(streamed.usage).toEqual(generated.usage);
    expect(streamed.usage?.outputTokens).toBeGreaterThan(0);
  });

  it('sends sampler extras inside a literal extra_body key, and typed options at the top level', async () => {
    const model = freshModel();
    const client = createMlxBackend({ baseURL: simulator.baseURL('mlx'), defaultExtraBody: { top_k: 40, min_p: 0.05 } });
    await client.generate(messages, { model, temperature: 0.7, extraBody: { top_k: 20, repetition_penalty: 1.1 } });
    const body = requestsFor(model)[0]?.body as Record<string, unknown>;
    expect(body.extra_body).toEqual({ top_k: 20, min_p: 0.05, repetition_penalty: 1.1 });
    expect(body.temperature).toBe(0.7);
    expect(body).not.toHaveProperty('top_k');
  });

  it('sends no Authorization header', async () => {
    const model = freshModel();
    await omni().generate(messages, { model });
    expect(requestsFor(model)[0]?.headers).not.toHaveProperty('authorization');
  });

  it('turns a 422 {"detail": [...]} body into a readable message', async () => {
    const model = freshModel();
    const error = await omni().generate(messages, withFault(model, { kind: 'status', status: 422 })).catch((e: unknown) => e);
    expect(BackendError.isInstance(error)).toBe(true);
    const { message, status, isRetryable } = error as BackendError;
    expect({ status, isRetryable }).toEqual({ status: 422, isRetryable: false });
    expect(message).toMatch(/^mlx: HTTP 422: invalid request: body/);
    expect(message).not.toContain('{"detail"');
  });

  it('shows a plain-text 500 (model failed to load) with advice', async () => {
    const model = freshModel();
    const error = await omni().generate(messages, withFault(model, { kind: 'status', status: 500 })).catch((e: unknown) => e);
    expect(BackendError.isInstance(error)).toBe(true);
    expect((error as BackendError).message).toMatch(/^mlx: HTTP 500: Internal Server Error/);
    expect((error as BackendError).message).toContain('fails to load');
  });

  it('a silent close mid-stream keeps the text and says what the server does', async () => {
    const model = freshModel();
    const stream = omni().stream(messages, withFault(model, { kind: 'close-mid-stream', afterChunks: 3 }));
    const error = await stream.collect().catch((e: unknown) => e);
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    const interrupted = error as StreamInterruptedError;
    expect(interrupted.partialText).toBe(stream.text);
    expect(simulatedReply({ model, messages, maxTokens: 4096 }).startsWith(stream.text)).toBe(true);
    expect(stream.text.length).toBeGreaterThan(0);
    expect(String((interrupted.cause as Error).message)).toContain('closes a stream without an error event');
  });
});

describe('base URL and connection errors', () => {
  it('reads MLX_BASE_URL at the first call, not at construction', async () => {
    const client = createMlxBackend();
    vi.stubEnv('MLX_BASE_URL', simulator.baseURL('mlx'));
    const model = freshModel();
    await client.generate(messages, { model });
    expect(requestsFor(model)).toHaveLength(1);
  });

  it('prefers settings.baseURL over MLX_BASE_URL', async () => {
    vi.stubEnv('MLX_BASE_URL', 'http://127.0.0.1:1/v1');
    const model = freshModel();
    await createMlxBackend({ baseURL: simulator.baseURL('mlx') }).generate(messages, { model });
    expect(requestsFor(model)).toHaveLength(1);
  });

  it('defaults to mlx-omni-server’s port, or mlx_lm.server’s, when neither setting nor MLX_BASE_URL is set', async () => {
    vi.stubEnv('MLX_BASE_URL', '');
    // A fetch that records where requests would go, so no real port is touched.
    const seen: string[] = [];
    const offline = async (input: string | URL | Request): Promise<Response> => {
      seen.push(String(input instanceof Request ? input.url : input));
      throw new TypeError('fetch failed');
    };
    const omniError = await createMlxBackend({ fetch: offline }).generate(messages, { model: freshModel() }).catch((e: unknown) => e);
    const lmError = await createMlxBackend({ fetch: offline, server: 'mlx_lm.server' }).generate(messages, { model: freshModel() }).catch((e: unknown) => e);
    expect(seen).toEqual(['http://localhost:10240/v1/chat/completions', 'http://localhost:8080/v1/chat/completions']);
    expect((omniError as BackendError).message).toContain('cannot connect to http://localhost:10240/v1');
    expect((lmError as BackendError).message).toContain('Is mlx_lm.server running (default port 8080)?');
  });

  it('connection refused names the URL and that mlx-omni-server is not running or listening elsewhere', async () => {
    const port = await closedPort();
    const error = await createMlxBackend({ baseURL: `http://127.0.0.1:${port}/v1` })
      .stream(messages, { model: freshModel() })
      .collect()
      .catch((e: unknown) => e);
    expect(BackendError.isInstance(error)).toBe(true);
    const { message, isRetryable } = error as BackendError;
    expect(isRetryable).toBe(true);
    expect(message).toContain(`cannot connect to http://127.0.0.1:${port}/v1 (ECONNREFUSED)`);
    expect(message).toContain('Is mlx-omni-server running');
    expect(message).toContain('MLX_BASE_URL');
  });

  it('a malformed MLX_BASE_URL is a ConfigurationError at the first call', async () => {
    const client = createMlxBackend();
    vi.stubEnv('MLX_BASE_URL', 'localhost:10240');
    const error = await client.generate(messages, { model: freshModel() }).catch((e: unknown) => e);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('localhost:10240');
  });

  it('rejects bad settings at construction', () => {
    expect(() => createMlxBackend({ firstChunkTimeoutMs: 0 })).toThrow(/firstChunkTimeoutMs/);
    expect(() => createMlxBackend({ server: 'ollama' as never })).toThrow(/server must be/);
    expect(() => createMlxBackend({ headers: { 'X-Team': 'story\nX-Injected: 1' } })).toThrow(/mlx: headers\["X-Team"\] has a line break/);
  });
});

describe('cold starts', () => {
  it('the default budget lets a cold start through', async () => {
    const model = freshModel();
    const completion = await omni().stream(messages, { model }).collect();
    expect(completion.timings.firstChunkMs).toBeGreaterThanOrEqual(coldStartMs - 5);
    expect(completion.text).not.toBe('');
  });

  it('a call budget shorter than the cold start fails with a timeout that explains cold starts', async () => {
    const error = await omni().generate(messages, { model: freshModel(), timeoutMs: 40 }).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).phase).toBe('total');
    expect((error as TimeoutError).message).toContain('cold start');
  });

  it('a caller’s firstChunkTimeoutMs replaces the default', async () => {
    const error = await omni().stream(messages, { model: freshModel(), firstChunkTimeoutMs: 40 }).collect().catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).phase).toBe('first-chunk');
  });

  it('when Node’s fetch gives up waiting for headers, the error names its timeout and the likely cold start', async () => {
    // A real undici headers timeout, shortened: Node's fetch accepts a `dispatcher`, and the global
    // dispatcher's class is undici's Agent (reachable through the symbol undici registers it under).
    await fetch(`${simulator.url}/mlx/v1/models`);
    const globalDispatcher = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')];
    const Agent = (globalDispatcher as { constructor: new (options: object) => { close(): Promise<void> } }).constructor;
    const dispatcher = new Agent({ headersTimeout: 50 });
    try {
      const client = createMlxBackend({
        baseURL: simulator.baseURL('mlx'),
        fetch: (input, init) => fetch(input, { ...init, dispatcher } as RequestInit),
      });
      const model = freshModel();
      const error = await client.generate(messages, withFault(model, { kind: 'stall', phase: 'headers', ms: 3_000 })).catch((e: unknown) => e);
      expect(BackendError.isInstance(error)).toBe(true);
      const { message, isRetryable } = error as BackendError;
      expect(isRetryable).toBe(true);
      expect(message).toContain('UND_ERR_HEADERS_TIMEOUT');
      expect(message).toContain('cold start');
    } finally {
      await dispatcher.close().catch(() => undefined);
    }
  });
});

describe('listModels and health', () => {
  it('lists the server’s models and reports healthy', async () => {
    const client = omni();
    const models = await client.listModels();
    expect(models.map((model) => model.id)).toContain('mlx-community/Llama-3.2-1B-Instruct-4bit');
    const health = await client.health();
    expect(health).toMatchObject({ ok: true, models: models.map((model) => model.id) });
  });

  it('works against mlx_lm.server too', async () => {
    const health = await createMlxBackend({ baseURL: simulator.baseURL('mlx-lm'), server: 'mlx_lm.server' }).health();
    expect(health.ok).toBe(true);
  });

  it('reports an unreachable server as unhealthy instead of throwing', async () => {
    const port = await closedPort();
    const health = await createMlxBackend({ baseURL: `http://127.0.0.1:${port}/v1` }).health();
    expect(health.ok).toBe(false);
    if (!health.ok) {
      expect(BackendError.isInstance(health.error)).toBe(true);
      expect(health.error.message).toContain(`127.0.0.1:${port}`);
    }
  });
});

describe('mlx_lm.server', () => {
  it('streams through keep-alive comments and reads sampler extras from the top level', async () => {
    const model = freshModel();
    const client = createMlxBackend({ baseURL: simulator.baseURL('mlx-lm'), server: 'mlx_lm.server' });
    const completion = await client.stream(messages, { model, extraBody: { top_k: 10 } }).collect();
    expect(completion.text).toBe(simulatedReply({ model, messages, maxTokens: 512 }));
    const body = requestsFor(model)[0]?.body as Record<string, unknown>;
    expect(body.top_k).toBe(10);
    expect(body).not.toHaveProperty('extra_body');
  });

  it('reads its {"error": "..."} bodies into the message', async () => {
    const model = freshModel();
    const client = createMlxBackend({ baseURL: simulator.baseURL('mlx-lm'), server: 'mlx_lm.server' });
    const error = await client.generate(messages, withFault(model, { kind: 'status', status: 404, body: { error: 'Model not found: nowhere/x' } })).catch((e: unknown) => e);
    expect((error as BackendError).message).toBe('mlx: HTTP 404: Model not found: nowhere/x');
  });

  it('refuses embeddings before any request', async () => {
    const client = createMlxBackend({ baseURL: simulator.baseURL('mlx-lm'), server: 'mlx_lm.server' });
    await expect(client.embed('text', { model: 'mlx-community/all-MiniLM-L6-v2-4bit' })).rejects.toThrow(/does not support embeddings/);
    expect(simulator.requests).toEqual([]);
  });
});
