import { ConfigurationError, StreamInterruptedError } from '@router/core';
import type { Message } from '@router/core';
import { simulatedEmbedding, startSimulator } from '@router/testing';
import type { Dialect, Simulator } from '@router/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAICompatibleBackend } from '../src/index.ts';

const messages: Message[] = [{ role: 'user', content: 'Hi' }];

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ models: { slow: { ttftMs: 80, embeddingDimensions: 4 } } });
});
afterAll(() => simulator.close());
beforeEach(() => {
  simulator.clearFaults();
  simulator.reset();
});

function backend(dialect: Dialect, extra: Partial<Parameters<typeof createOpenAICompatibleBackend>[0]> = {}) {
  return createOpenAICompatibleBackend({ name: 'quirks', baseURL: simulator.baseURL(dialect), ...extra });
}

describe('stringEmbeddingInput: servers that take one string per embeddings request', () => {
  it('sends each input as a string, at most `concurrency` at once, and returns the vectors in input order', async () => {
    const inputs = ['one', 'two', 'three'];
    const { embeddings } = await backend('ollama', { stringEmbeddingInput: { concurrency: 2 } }).embed(inputs, { model: 'slow' });
    expect(embeddings).toEqual(inputs.map((input) => simulatedEmbedding(input, { dimensions: 4 })));
    expect(simulator.requests.every((request) => typeof (request.body as { input: unknown }).input === 'string')).toBe(true);
    expect(simulator.maxInFlight).toBe(2);
  });

  it('without it a batch is one request with an array, which such a server refuses', async () => {
    const error = await backend('ollama').embed(['one', 'two'], { model: 'slow' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400 });
    expect(simulator.requests).toHaveLength(1);
  });

  it('refuses a concurrency that is not a positive integer', () => {
    expect(() => backend('ollama', { stringEmbeddingInput: { concurrency: 1.5 } })).toThrow(ConfigurationError);
  });
});

describe('a flat {"object": "error"} event inside a stream (vLLM before 0.10.1)', () => {
  it('ends the stream with a StreamInterruptedError whose cause carries the server’s message', async () => {
    simulator.addFault({ fault: { kind: 'error-event', afterChunks: 1, code: 500, message: 'engine died' } });
    const error = await backend('vllm-legacy').stream(messages, { model: 'sim/legacy' }).collect().catch((caught: unknown) => caught);
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    expect(((error as StreamInterruptedError).cause as Error).message).toContain('engine died');
  });
});

describe('hints.status', () => {
  it('receives the server’s own message', async () => {
    simulator.addFault({ fault: { kind: 'status', status: 400, body: { error: 'context window exceeded' } } });
    const seen: string[] = [];
    const error = await backend('ollama', { hints: { status: (_status, _context, detail) => (seen.push(detail), 'HINT') } })
      .generate(messages, { model: 'sim/hint' })
      .catch((caught: unknown) => caught);
    expect(seen).toEqual(['context window exceeded']);
    expect((error as Error).message).toContain('HINT');
  });
});
