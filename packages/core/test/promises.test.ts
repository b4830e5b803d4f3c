import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  BackendError,
  CompletionStream,
  createRouter,
  RouterError,
  UnsupportedOperationError,
  type CallOptions,
  type LLMClient,
  type RouterEvent,
  type StreamPart,
} from '../src/index.ts';
import { createBackend } from '../src/adapter.ts';
import { ConcurrencyLimiter } from '../src/reliability.ts';
import { inMemoryBackend } from './in-memory-backend.ts';

const msgs = [{ role: 'user' as const, content: 'hi' }];

/** A backend that streams one chunk, then waits until its call is aborted. */
function stallingBackend() {
  return createBackend({
    name: 'stalling',
    async generate() {
      return { text: 'x', finishReason: 'stop' };
    },
    async *stream(call): AsyncGenerator<StreamPart> {
      yield { type: 'text', text: 'first ' };
      await new Promise((resolve) => call.signal.addEventListener('abort', resolve, { once: true }));
    },
  });
}

describe('option scoping across a fallback chain', () => {
  it('an unkeyed extraBody and headers reach the routed backend only; providerOptions reach the backend they name', async () => {
    const primary = inMemoryBackend({ name: 'primary-adapter' });
    const fallback = inMemoryBackend({ name: 'fallback-adapter' });
    primary.generate = async () => {
      throw new BackendError('down', { status: 503, isRetryable: true });
    };
    // The primary's calls are not recorded once generate is replaced: record what reaches it through stream instead.
    const router = createRouter({
      backends: { primary, backup: fallback },
      default: 'primary',
      reliability: { primary: { fallbacks: [{ backend: 'backup', model: 'backup-model' }] } },
      timingLog: false,
    });
    const completion = await router.generate(msgs, {
      model: 'm',
      extraBody: { provider: { order: ['Cerebras'] } },
      headers: { 'x-secret': 'for-the-primary' },
      providerOptions: { backup: { extraBody: { top_k: 3 }, headers: { 'x-backup': '1' } }, primary: { extraBody: { only: 'primary' } } },
    });
    expect(completion).toMatchObject({ backend: 'backup', adapter: 'fallback-adapter' });
    const seen = fallback.calls[0]!.options;
    expect(seen.model).toBe('backup-model');
    expect(seen.extraBody).toEqual({ top_k: 3 });
    expect(seen.headers).toEqual({ 'x-backup': '1' });
    expect(seen.providerOptions).toBeUndefined();
  });

  it('the routed backend gets its providerOptions entry merged over the unkeyed options', async () => {
    const backend = inMemoryBackend({ name: 'adapter' });
    const router = createRouter({ backends: { main: backend }, default: 'main', timingLog: false });
    await router.generate(msgs, { model: 'm', extraBody: { a: 1, b: 1 }, providerOptions: { main: { extraBody: { b: 2 } }, other: { extraBody: { c: 3 } } } });
    expect(backend.calls[0]!.options.extraBody).toEqual({ a: 1, b: 2 });
  });

  it('an adapter called directly applies the entry under its own name', async () => {
    const backend = inMemoryBackend({ name: 'adapter' });
    await backend.generate(msgs, { model: 'm', providerOptions: { adapter: { headers: { 'x-a': '1' } }, else: { headers: { 'x-b': '1' } } } });
    expect(backend.calls[0]!.options.headers).toEqual({ 'x-a': '1' });
  });
});

describe('a stream completion always settles', () => {
  it('settles as soon as the call is aborted while nobody reads, through every layer', async () => {
    const backend = stallingBackend();
    const events: RouterEvent[] = [];
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const router = createRouter({
      backends: { s: backend },
      default: 's',
      reliability: { s: { limiter } },
      listeners: [(event) => events.push(event)],
      timingLog: false,
    });
    const controller = new AbortController();
    const stream = router.stream(msgs, { model: 'm', signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe('first ');
    controller.abort();
    // No further next(): the completion must settle on its own.
    await expect(stream.completion).rejects.toSatisfy((error) => AbortedError.isInstance(error));
    expect(events.map((event) => event.type)).toContain('call-error');
    expect(limiter.active).toBe(0);
  });

  it('awaiting completion on a stream nobody iterates starts it and reads it to the end', async () => {
    const router = createRouter({ backends: { m: inMemoryBackend() }, default: 'm', timingLog: false });
    const completion = await router.stream(msgs, { model: 'x' }).completion;
    expect(completion.text).toBe('reply from memory to x');
    expect((await router.stream(msgs, { model: 'y' }).collect()).text).toBe('reply from memory to y');
  });

  it('catching completion and then iterating leaves the stream to the loop', async () => {
    const stream = inMemoryBackend().stream(msgs, { model: 'x' });
    stream.completion.catch(() => undefined);
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.join('')).toBe('reply from memory to x');
  });

  it('a stream drained by its completion cannot be iterated again', async () => {
    const stream = inMemoryBackend().stream(msgs, { model: 'x' });
    await stream.completion;
    expect(() => stream[Symbol.asyncIterator]()).toThrow(TypeError);
  });
});

describe('finite defaults', () => {
  it('a call that sets no budget gets its operation’s, and a caller’s deadline is not cut short', async () => {
    const backend = inMemoryBackend();
    await backend.generate(msgs, { model: 'm' });
    await backend.stream(msgs, { model: 'm' }).collect();
    await backend.generate(msgs, { model: 'm', deadline: Date.now() + 3_600_000 });
    const [generate, stream, withDeadline] = backend.calls;
    expect(generate!.options.timeoutMs).toBe(300_000);
    expect(generate!.remainingMs()).toBeLessThanOrEqual(300_000);
    expect(stream!.options.timeoutMs).toBe(600_000);
    expect(withDeadline!.options.timeoutMs).toBeUndefined();
    expect(withDeadline!.remainingMs()).toBeGreaterThan(600_000);
  });

  it('a backend’s own defaults survive options passed as explicit undefined, directly and through a chain', async () => {
    const backend = createBackend({
      name: 'cold',
      defaults: { firstChunkTimeoutMs: 45_000, streamTimeoutMs: 900_000 },
      async generate() {
        return { text: '', finishReason: 'stop' };
      },
      async *stream(call): AsyncGenerator<StreamPart> {
        yield { type: 'text', text: `${call.options.firstChunkTimeoutMs}/${call.options.timeoutMs}` };
        yield { type: 'finish', finishReason: 'stop' };
      },
    });
    const direct: CallOptions = { model: 'm', firstChunkTimeoutMs: undefined, timeoutMs: undefined };
    expect((await backend.stream(msgs, direct).collect()).text).toBe('45000/900000');
    const router = createRouter({ backends: { cold: backend }, default: 'cold', reliability: { cold: { retry: { maxAttempts: 2 } } }, timingLog: false });
    expect((await router.stream(msgs, { model: 'm' }).collect()).text).toBe('45000/900000');
  });

  it('a limiter bounds its queue and its waits by default', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1 });
    const held = await limiter.acquire(1);
    const waiters = Array.from({ length: 1_001 }, () => limiter.acquire(1).then(
      (slot) => slot.release(),
      (error: unknown) => error,
    ));
    const refused = await Promise.race([waiters[1_000]!, new Promise((resolve) => setImmediate(() => resolve('still waiting')))]);
    expect(RouterError.isInstance(refused) && refused.code).toBe('queue-full');
    held.release();
    await Promise.all(waiters);
  });
});

describe('capabilities are enforced', () => {
  const jsonCall: CallOptions = { model: 'm', responseFormat: { type: 'json_object' } };

  it('a backend without jsonMode refuses a responseFormat before the network, naming the capability', async () => {
    const backend = createBackend({
      name: 'plain',
      capabilities: { jsonMode: false },
      async generate() {
        throw new Error('must not be called');
      },
      async *stream(): AsyncGenerator<StreamPart> {
        throw new Error('must not be called');
      },
    });
    const error = await backend.generate(msgs, jsonCall).catch((caught: unknown) => caught);
    expect(UnsupportedOperationError.isInstance(error) && error.capability).toBe('jsonMode');
    await expect(backend.stream(msgs, jsonCall).collect()).rejects.toSatisfy((caught) => UnsupportedOperationError.isInstance(caught));
  });

  it('the router skips chain links without the capability, and explain says so', async () => {
    const plain = inMemoryBackend({ name: 'plain' });
    Object.assign(plain.capabilities, { jsonMode: false });
    const json = inMemoryBackend({ name: 'json' });
    const router = createRouter({
      backends: { plain, json },
      default: 'plain',
      reliability: { plain: { fallbacks: ['json'] } },
      timingLog: false,
    });
    expect(await router.generate(msgs, jsonCall)).toMatchObject({ backend: 'json' });
    expect(plain.calls).toHaveLength(0);
    expect(router.explain('m', 'generate', { responseFormat: { type: 'json_object' } }).skipped).toEqual([{ backend: 'plain', capability: 'jsonMode' }]);
    expect(router.explain('m').skipped).toBeUndefined();
  });
});

describe('errors from any client are typed', () => {
  it('a custom client’s plain errors reach the caller as RouterErrors, with no listeners attached', async () => {
    const custom: LLMClient = {
      name: 'custom',
      generate: async () => {
        throw new Error('plain failure');
      },
      stream: () =>
        CompletionStream.from(async function* fail() {
          yield 'partial';
          throw new Error('plain stream failure');
        }),
      embed: async () => {
        throw new Error('plain embed failure');
      },
    };
    const router = createRouter({ backends: { custom }, default: 'custom', timingLog: false });
    const generated = await router.generate(msgs, { model: 'm' }).catch((error: unknown) => error);
    expect(RouterError.isInstance(generated) && generated.backend).toBe('custom');
    const streamed = await router.stream(msgs, { model: 'm' }).collect().catch((error: unknown) => error);
    expect(RouterError.isInstance(streamed)).toBe(true);
    const embedded = await router.embed('x', { model: 'm' }).catch((error: unknown) => error);
    expect(RouterError.isInstance(embedded)).toBe(true);
  });
});
