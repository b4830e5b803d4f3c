import { BackendError, ConfigurationError, createRouter, InvalidRequestError } from '@router/core';
import type { Message } from '@router/core';
import { closedPort, simulatedEmbedding, startSimulator } from '@router/testing';
import type { LoggedRequest, Simulator } from '@router/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOllamaBackend } from '../src/index.ts';

const messages: Message[] = [{ role: 'user', content: 'Say hi.' }];
// Slow enough that requests started together are in flight together.
const slowEmbedder = 'nomic-embed-text:slow';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ models: { 'llama3.2:1b': {}, [slowEmbedder]: { ttftMs: 100, embeddingDimensions: 8 } } });
});
afterAll(() => simulator.close());
beforeEach(() => {
  simulator.clearFaults();
  simulator.reset();
});

function ollama(settings: Parameters<typeof createOllamaBackend>[0] = {}) {
  return createOllamaBackend({ baseURL: simulator.baseURL('ollama'), ...settings });
}

function requestsFor(model: string): LoggedRequest[] {
  return simulator.requests.filter((request) => request.model === model);
}

describe('embeddings, one string per request', () => {
  it('sends a batch as one request per input, at most embeddingConcurrency at once, vectors in input order', async () => {
    const inputs = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    const { embeddings, usage } = await ollama({ embeddingConcurrency: 2 }).embed(inputs, { model: slowEmbedder });
    expect(embeddings).toEqual(inputs.map((input) => simulatedEmbedding(input, { dimensions: 8 })));
    const sent = requestsFor(slowEmbedder).map((request) => (request.body as { input: unknown }).input);
    expect([...sent].sort()).toEqual([...inputs].sort());
    expect(simulator.maxInFlight).toBe(2);
    // Usage is the sum of the requests' usage: ceil(chars / 4) each.
    expect(usage?.inputTokens).toBe(inputs.reduce((sum, input) => sum + Math.ceil(input.length / 4), 0));
  });

  it('a failed request stops the batch: no request starts after it, and the error is typed', async () => {
    simulator.addFault({ model: slowEmbedder, path: '/embeddings', times: 1, fault: { kind: 'status', status: 500 } });
    const error = await ollama({ embeddingConcurrency: 1 }).embed(['a', 'b', 'c'], { model: slowEmbedder }).catch((caught: unknown) => caught);
    expect(BackendError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 500, isRetryable: true });
    expect(requestsFor(slowEmbedder)).toHaveLength(1);
  });

  it('refuses an embeddingConcurrency that is not a positive integer', () => {
    expect(() => ollama({ embeddingConcurrency: 0 })).toThrow(ConfigurationError);
  });
});

describe('what Ollama does not have', () => {
  it('tool_choice is refused before any request, naming the field', async () => {
    const model = 'llama3.2:tool-choice';
    const error = await ollama().generate(messages, { model, extraBody: { tool_choice: 'required' } }).catch((caught: unknown) => caught);
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field: 'options.extraBody.tool_choice' });
    expect(requestsFor(model)).toHaveLength(0);
  });

  it('a 400 about the context length explains that only the server sets it', async () => {
    const model = 'llama3.2:long-prompt';
    simulator.addFault({ model, fault: { kind: 'status', status: 400, body: { error: 'the input length exceeds the context length' } } });
    const error = await ollama().generate(messages, { model }).catch((caught: unknown) => caught);
    expect((error as Error).message).toContain('OLLAMA_CONTEXT_LENGTH');
  });

  it('a 404 says to pull the model', async () => {
    const model = 'llama3.2:missing';
    simulator.addFault({ model, fault: { kind: 'status', status: 404, body: { error: `model "${model}" not found, try pulling it first` } } });
    const error = await ollama().generate(messages, { model }).catch((caught: unknown) => caught);
    expect((error as Error).message).toContain('ollama pull');
  });
});

describe('routing ollama/ ids', () => {
  it('a router sends ollama/-prefixed ids here by prefix, and Ollama gets them without it', async () => {
    const router = createRouter({
      backends: { ollama: ollama({ modelPrefix: 'ollama/' }), hosted: createOllamaBackend({ baseURL: simulator.baseURL('openai'), name: 'hosted' }) },
      rules: [{ prefix: 'ollama/', backend: 'ollama' }],
      default: 'hosted',
      embeddings: { rules: [{ prefix: 'ollama/', backend: 'ollama' }], default: 'hosted' },
    });
    const completion = await router.generate(messages, { model: 'ollama/llama3.2:1b' });
    expect(completion.backend).toContain('ollama');
    await router.embed('hello', { model: 'ollama/nomic-embed-text' });
    const sent = simulator.requests.filter((request) => request.dialect === 'ollama').map((request) => request.model);
    expect(sent).toEqual(['llama3.2:1b', 'nomic-embed-text']);
  });
});

describe('health and models', () => {
  it('health lists the pulled models through the native /api/tags', async () => {
    const health = await ollama().health();
    expect(health).toMatchObject({ ok: true, models: expect.arrayContaining(['llama3.2:1b']) });
    expect(simulator.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/tags' });
    const models = await ollama().listModels();
    expect(models.map((model) => model.id)).toContain('llama3.2:1b');
  });

  it('an unreachable server is unhealthy, with advice, and health does not throw', async () => {
    const port = await closedPort();
    const health = await createOllamaBackend({ baseURL: `http://127.0.0.1:${port}/v1` }).health();
    expect(health.ok).toBe(false);
    if (!health.ok) expect(health.error.message).toContain('ollama serve');
  });

  it('sends no Authorization header unless a key is given', async () => {
    await ollama().generate(messages, { model: 'llama3.2:1b' });
    expect(simulator.requests.at(-1)?.headers.authorization).toBeUndefined();
  });
});
