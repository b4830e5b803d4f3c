import { describe, expect, it } from 'vitest';
import { AbortedError, CompletionStream, type Completion, type StreamSink } from '../src/index.ts';

const completion = (text: string): Completion => ({ text, finishReason: 'stop', backend: 'b', adapter: 'b', model: 'm', attempts: 1, timings: { startedAt: 0, totalMs: 1 } });

async function settled(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('CompletionStream', () => {
  it('from(): yields the chunks in order, keeps them as text, and resolves with what the generator returns', async () => {
    const stream = CompletionStream.from(async function* () {
      yield 'a';
      yield 'b';
      return completion('ab');
    });
    const seen: string[] = [];
    for await (const chunk of stream) {
      seen.push(chunk);
      expect(stream.text).toBe(seen.join(''));
    }
    expect(seen).toEqual(['a', 'b']);
    expect((await stream.completion).text).toBe('ab');
  });

  it('from(): a failure reaches the loop and completion, with the text delivered before it', async () => {
    const failure = new Error('boom');
    const stream = CompletionStream.from(async function* () {
      yield 'a';
      throw failure;
    });
    await expect(stream.collect()).rejects.toBe(failure);
    await expect(stream.completion).rejects.toBe(failure);
    expect(stream.text).toBe('a');
  });

  it('from(): leaving the loop early runs the generator’s cleanup and rejects completion as aborted', async () => {
    let cleanedUp = false;
    const stream = CompletionStream.from(async function* () {
      try {
        yield 'a';
        yield 'b';
        return completion('ab');
      } finally {
        cleanedUp = true;
      }
    });
    for await (const _ of stream) break;
    expect(cleanedUp).toBe(true);
    expect(stream.text).toBe('a');
    const outcome = await settled(stream.completion);
    expect(AbortedError.isInstance((outcome as { error: unknown }).error)).toBe(true);
  });

  it('a producer writes to the sink itself, and the loop gets the producer’s own promises, with no layer between', async () => {
    async function* producer(sink: StreamSink) {
      for (const chunk of ['x', 'y']) {
        sink.chunks.push(chunk);
        yield chunk;
      }
      sink.resolve(completion('xy'));
    }
    const produced: Promise<IteratorResult<string, unknown>>[] = [];
    const stream = new CompletionStream((sink) => {
      const generator = producer(sink);
      return { next: () => produced[produced.push(generator.next()) - 1]! };
    });
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    expect(first).toBe(produced[0]);
    expect(await first).toEqual({ done: false, value: 'x' });
    expect(await iterator.next()).toEqual({ done: false, value: 'y' });
    expect((await iterator.next()).done).toBe(true);
    expect((await stream.completion).text).toBe('xy');
    expect(stream.text).toBe('xy');
  });

  it('a producer that throws when opened fails the loop and completion alike', async () => {
    const failure = new Error('cannot open');
    const stream = new CompletionStream(() => {
      throw failure;
    });
    await expect(stream.collect()).rejects.toBe(failure);
    await expect(stream.completion).rejects.toBe(failure);
  });

  it('failed(): fails as soon as it is read', async () => {
    const failure = new Error('bad input');
    const stream = CompletionStream.failed(failure);
    await expect(stream.collect()).rejects.toBe(failure);
    await expect(stream.completion).rejects.toBe(failure);
  });

  it('can be iterated only once', async () => {
    const stream = CompletionStream.from(async function* () {
      return completion('');
    });
    await stream.collect();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(TypeError);
  });
});
