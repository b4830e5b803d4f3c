import {
  AbortedError,
  BackendError,
  InvalidRequestError,
  RouterError,
  StreamInterruptedError,
  TimeoutError,
  UnsupportedOperationError,
  type Message,
} from '@router/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deterministicEmbedding, MockLLMClient } from '../src/mock.ts';

const model = 'mock/model';
const hello: Message[] = [{ role: 'user', content: 'hello there' }];

/** Runs a promise to its rejection and returns the error (fails the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Iterates a stream, keeping what was yielded even when it fails. */
async function drain(stream: AsyncIterable<string>): Promise<{ chunks: string[]; error: unknown }> {
  const chunks: string[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('MockLLMClient replies', () => {
  it('echoes the last message when nothing is scripted', async () => {
    const mock = new MockLLMClient();
    const completion = await mock.generate(hello, { model });
    expect(completion.text).toBe('Mock reply to: hello there');
    expect(completion).toMatchObject({ backend: 'mock', model, finishReason: 'stop', attempts: 1 });
  });

  it('serves scripted replies in order, then falls back to the reply function', async () => {
    const mock = new MockLLMClient({ reply: (messages, options) => `fn:${options.model}:${messages.length}` });
    mock.enqueue('first', { text: 'second', finishReason: 'length', model: 'served/model' });
    expect(mock.pendingReplies).toBe(2);

    expect((await mock.generate(hello, { model })).text).toBe('first');
    const second = await mock.generate(hello, { model });
    expect(second).toMatchObject({ text: 'second', finishReason: 'length', model: 'served/model' });
    expect((await mock.generate(hello, { model })).text).toBe(`fn:${model}:1`);
    expect(mock.pendingReplies).toBe(0);
  });

  it('accepts an async reply function', async () => {
    const mock = new MockLLMClient({ reply: async (messages) => ({ text: String(messages[0]?.content).toUpperCase() }) });
    expect((await mock.generate(hello, { model })).text).toBe('HELLO THERE');
  });

  it('estimates usage from characters unless the script gives it', async () => {
    const mock = new MockLLMClient().enqueue('abcdefgh', { text: 'x', usage: { inputTokens: 7, outputTokens: 1, cost: 0.5 } });
    expect((await mock.generate(hello, { model })).usage).toEqual({ inputTokens: 3, outputTokens: 2, totalTokens: 5 });
    expect((await mock.generate(hello, { model })).usage).toEqual({ inputTokens: 7, outputTokens: 1, cost: 0.5 });
  });

  it('reports no usage when it declares no usage capability', async () => {
    const mock = new MockLLMClient({ capabilities: { usage: false } });
    expect(mock.capabilities.usage).toBe(false);
    expect((await mock.generate(hello, { model })).usage).toBeUndefined();
    expect((await mock.stream(hello, { model }).collect()).usage).toBeUndefined();
  });

  it('passes provider metadata through', async () => {
    const mock = new MockLLMClient().enqueue({ text: 'ok', providerMetadata: { mock: { id: 'gen-1' } } });
    expect((await mock.generate(hello, { model })).providerMetadata).toEqual({ mock: { id: 'gen-1' } });
  });

  it('exposes costOf like a backend', () => {
    expect(new MockLLMClient().costOf(model)).toBe(1);
    expect(new MockLLMClient({ costOf: (id) => id.length }).costOf('abcd')).toBe(4);
  });
});

describe('MockLLMClient streams', () => {
  it('splits text into words by default and reports the same text at the end', async () => {
    const mock = new MockLLMClient().enqueue('one two  three');
    const stream = mock.stream(hello, { model });
    const { chunks, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(chunks).toEqual(['one ', 'two  ', 'three']);
    const completion = await stream.completion;
    expect(completion.text).toBe('one two  three');
    expect(completion.timings.firstChunkMs).toBeTypeOf('number');
    expect(completion.timings.firstChunkMs).toBeLessThanOrEqual(completion.timings.totalMs);
  });

  it('streams scripted chunks exactly as given', async () => {
    const mock = new MockLLMClient().enqueue({ text: 'café 🙂', chunks: ['ca', 'fé ', '🙂'] });
    expect((await drain(mock.stream(hello, { model }))).chunks).toEqual(['ca', 'fé ', '🙂']);
  });

  it('rejects a script whose chunks do not join to its text when it is enqueued', () => {
    expect(() => new MockLLMClient().enqueue({ text: 'abc', chunks: ['a', 'b'] })).toThrow(/chunks join to "ab"/);
  });

  it('fails after the given chunks with a StreamInterruptedError carrying exactly the delivered text', async () => {
    const cause = new BackendError('connection lost', { status: 502, isRetryable: true });
    const mock = new MockLLMClient().enqueue({ text: 'a b c d', failAfterChunks: 2, error: cause });
    const { chunks, error } = await drain(mock.stream(hello, { model }));
    expect(chunks).toEqual(['a ', 'b ']);
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    expect((error as StreamInterruptedError).partialText).toBe('a b ');
    expect((error as StreamInterruptedError).cause).toBe(cause);
  });

  it('fails before any chunk with the scripted error itself', async () => {
    const cause = new BackendError('overloaded', { status: 503, isRetryable: true });
    const mock = new MockLLMClient().enqueue({ error: cause });
    const { chunks, error } = await drain(mock.stream(hello, { model }));
    expect(chunks).toEqual([]);
    expect(error).toBe(cause);
  });
});

describe('MockLLMClient failures', () => {
  it('rejects generate with a typed error as scripted', async () => {
    const typed = new BackendError('rate limited', { status: 429, isRetryable: true, retryAfterMs: 1000 });
    const mock = new MockLLMClient().enqueue({ error: typed });
    expect(await rejectionOf(mock.generate(hello, { model }))).toBe(typed);
  });

  it('wraps an untyped error in a BackendError naming the backend', async () => {
    const mock = new MockLLMClient({ name: 'scripted' }).enqueue({ error: new Error('boom') });
    const error = await rejectionOf(mock.generate(hello, { model }));
    expect(BackendError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ backend: 'scripted', model, message: 'scripted: boom' });
  });

  it('rejects bad input with InvalidRequestError and records no call', async () => {
    const mock = new MockLLMClient();
    const error = await rejectionOf(mock.generate([], { model }));
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect((error as InvalidRequestError).field).toBe('messages');
    const streamed = await drain(mock.stream([{ role: 'user', content: 'x' }], { model, maxTokens: 0 }));
    expect((streamed.error as InvalidRequestError).field).toBe('options.maxTokens');
    expect(mock.calls).toEqual([]);
  });
});

describe('MockLLMClient delays, abort and deadlines', () => {
  it('aborts a delayed reply and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const mock = new MockLLMClient().enqueue({ text: 'late', delayMs: 60_000 });
    const controller = new AbortController();
    const pending = rejectionOf(mock.generate(hello, { model, signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    expect(AbortedError.isInstance(await pending)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('turns a deadline that expires during a delay into a TimeoutError', async () => {
    vi.useFakeTimers();
    const mock = new MockLLMClient().enqueue({ text: 'late', delayMs: 60_000 });
    const pending = rejectionOf(mock.generate(hello, { model, timeoutMs: 50 }));
    await vi.advanceTimersByTimeAsync(50);
    const error = await pending;
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).phase).toBe('total');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aborts between chunks with the partial text kept', async () => {
    vi.useFakeTimers();
    const mock = new MockLLMClient().enqueue({ text: 'a b c', chunkDelayMs: 1000 });
    const controller = new AbortController();
    const chunks: string[] = [];
    const stream = mock.stream(hello, { model, signal: controller.signal });
    const run = (async () => {
      for await (const chunk of stream) {
        chunks.push(chunk);
        controller.abort();
      }
    })();
    const error = await rejectionOf(run);
    expect(chunks).toEqual(['a ']);
    // The caller's own abort is an AbortedError; the text it got stays on the stream.
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(stream.text).toBe('a ');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits delayMs before the reply and chunkDelayMs between chunks', async () => {
    vi.useFakeTimers();
    const mock = new MockLLMClient().enqueue({ text: 'a b', delayMs: 100, chunkDelayMs: 40 });
    const chunks: string[] = [];
    const done = (async () => {
      for await (const chunk of mock.stream(hello, { model })) chunks.push(chunk);
    })();
    await vi.advanceTimersByTimeAsync(99);
    expect(chunks).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(chunks).toEqual(['a ']);
    await vi.advanceTimersByTimeAsync(40);
    await done;
    expect(chunks).toEqual(['a ', 'b']);
  });
});

describe('MockLLMClient call log', () => {
  it('records every call that reached it, with operation, input and options', async () => {
    const mock = new MockLLMClient();
    const options = { model, temperature: 0.2, extraBody: { top_k: 3 } };
    await mock.generate(hello, options);
    await mock.stream(hello, { model }).collect();
    await mock.embed('text', { model: 'mock/embed' });
    expect(mock.calls).toEqual([
      // As the backend sees them: with core's default budget of each operation.
      { operation: 'generate', messages: hello, options: { ...options, timeoutMs: 300_000 } },
      { operation: 'stream', messages: hello, options: { model, timeoutMs: 600_000 } },
      { operation: 'embed', input: ['text'], options: { model: 'mock/embed', timeoutMs: 60_000 } },
    ]);
  });
});

describe('MockLLMClient embeddings', () => {
  it('derives unit vectors from the text: same text, same vector; different text, different vector', async () => {
    const mock = new MockLLMClient({ embeddingDimensions: 16 });
    const { embeddings } = await mock.embed(['alpha', 'beta', 'alpha'], { model });
    expect(embeddings).toHaveLength(3);
    for (const vector of embeddings) {
      expect(vector).toHaveLength(16);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
    }
    expect(embeddings[0]).toEqual(embeddings[2]);
    expect(embeddings[0]).not.toEqual(embeddings[1]);
    expect(embeddings[1]).toEqual(deterministicEmbedding('beta', 16));
  });

  it('honours the dimensions option and defaults to 384', async () => {
    const mock = new MockLLMClient();
    expect((await mock.embed('x', { model })).embeddings[0]).toHaveLength(384);
    expect((await mock.embed('x', { model, dimensions: 8 })).embeddings[0]).toHaveLength(8);
  });

  it('serves scripted vectors and failures in order', async () => {
    const failure = new BackendError('embedding model down', { status: 502, isRetryable: true });
    const mock = new MockLLMClient().enqueueEmbedding({ vectors: [[1, 0]] }, { error: failure });
    expect((await mock.embed('x', { model })).embeddings).toEqual([[1, 0]]);
    expect(await rejectionOf(mock.embed('x', { model }))).toBe(failure);
    expect((await mock.embed('x', { model })).embeddings[0]).toHaveLength(384);
  });

  it('rejects with UnsupportedOperationError when embeddings are declared unsupported, recording no call', async () => {
    const mock = new MockLLMClient({ capabilities: { embeddings: false } });
    const error = await rejectionOf(mock.embed('x', { model }));
    expect(UnsupportedOperationError.isInstance(error)).toBe(true);
    expect(mock.calls).toEqual([]);
  });

  it('rejects empty input as invalid before anything else', async () => {
    const mock = new MockLLMClient();
    const error = await rejectionOf(mock.embed('', { model }));
    expect(InvalidRequestError.isInstance(error) && error.field).toBe('input');
    expect(RouterError.isInstance(error)).toBe(true);
    expect(mock.calls).toEqual([]);
  });
});

describe('MockLLMClient: tool calls, reasoning, images', () => {
  const call = { id: 'call_1', name: 'lookup', arguments: '{"query":"café"}' };

  it('returns scripted tool calls (parsed) and reasoning from generate, finishing with tool-calls', async () => {
    const mock = new MockLLMClient().enqueue({ text: '', toolCalls: [call], reasoning: 'thinking first' });
    const completion = await mock.generate(hello, { model, tools: [{ name: 'lookup' }] });
    expect(completion.toolCalls).toEqual([{ ...call, input: { query: 'café' } }]);
    expect(completion.reasoning).toBe('thinking first');
    expect(completion.finishReason).toBe('tool-calls');
  });

  it('streams reasoning before the text and the tool call after it, in the parts view', async () => {
    const mock = new MockLLMClient().enqueue({ text: 'one two', toolCalls: [call], reasoning: 'hmm' });
    const parts = [];
    for await (const part of mock.stream(hello, { model }).parts()) parts.push(part);
    expect(parts.map((part) => part.type)).toEqual(['reasoning', 'text', 'text', 'tool-call-start', 'tool-call-delta', 'tool-call', 'finish']);
    expect(parts.at(-2)).toEqual({ type: 'tool-call', index: 0, toolCall: { ...call, input: { query: 'café' } } });
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
  });

  it('echoes the text parts of a message with an image', async () => {
    const mock = new MockLLMClient();
    const messages: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'see ' }, { type: 'image', image: 'https://example.test/a.png' }, { type: 'text', text: 'this' }] }];
    expect((await mock.generate(messages, { model })).text).toBe('Mock reply to: see this');
  });
});
