import { describe, expect, it } from 'vitest';
import { createRouter, InvalidRequestError, type CallOptions, type Message } from '../src/index.ts';
import { inMemoryBackend } from './in-memory-backend.ts';

const ok: Message[] = [{ role: 'user', content: 'hello' }];

describe('bad input is rejected before any backend is called', () => {
  const backend = inMemoryBackend();
  const router = createRouter({ backends: { memory: backend }, default: 'memory', timingLog: false });

  const cases: [string, unknown, unknown, string][] = [
    ['no model', ok, {}, 'options.model'],
    ['blank model', ok, { model: '  ' }, 'options.model'],
    ['no options', ok, undefined, 'options'],
    ['empty messages', [], { model: 'm' }, 'messages'],
    ['messages not an array', 'hello', { model: 'm' }, 'messages'],
    ['null message', [null], { model: 'm' }, 'messages[0]'],
    ['unknown role', [{ role: 'robot', content: 'x' }], { model: 'm' }, 'messages[0].role'],
    ['non-string content', [ok[0], { role: 'user', content: 42 }], { model: 'm' }, 'messages[1].content'],
    ['null content', [{ role: 'user', content: null }], { model: 'm' }, 'messages[0].content'],
    ['NaN temperature', ok, { model: 'm', temperature: Number.NaN }, 'options.temperature'],
    ['infinite temperature', ok, { model: 'm', temperature: Number.POSITIVE_INFINITY }, 'options.temperature'],
    ['temperature above 2', ok, { model: 'm', temperature: 2.5 }, 'options.temperature'],
    ['negative temperature', ok, { model: 'm', temperature: -0.1 }, 'options.temperature'],
    ['zero maxTokens', ok, { model: 'm', maxTokens: 0 }, 'options.maxTokens'],
    ['negative maxTokens', ok, { model: 'm', maxTokens: -5 }, 'options.maxTokens'],
    ['fractional maxTokens', ok, { model: 'm', maxTokens: 1.5 }, 'options.maxTokens'],
    ['zero timeout', ok, { model: 'm', timeoutMs: 0 }, 'options.timeoutMs'],
    ['array extraBody', ok, { model: 'm', extraBody: [] }, 'options.extraBody'],
    ['topP above 1', ok, { model: 'm', topP: 1.5 }, 'options.topP'],
  ];

  it.each(cases)('generate: %s → %s', async (_, messages, options, field) => {
    const error = await router.generate(messages as Message[], options as CallOptions).catch((e: unknown) => e);
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect((error as InvalidRequestError).field).toBe(field);
    expect((error as Error).message).toContain(field);
    expect(backend.calls).toHaveLength(0);
  });

  it.each(cases)('stream: %s → %s (surfaces while reading)', async (_, messages, options, field) => {
    const stream = router.stream(messages as Message[], options as CallOptions);
    const error = await stream.collect().catch((e: unknown) => e);
    expect((error as InvalidRequestError).field).toBe(field);
    await expect(stream.completion).rejects.toBe(error);
    expect(backend.calls).toHaveLength(0);
  });

  it('a backend used without a router validates too', async () => {
    const error = await backend.generate([], { model: 'm' }).catch((e: unknown) => e);
    expect((error as InvalidRequestError).field).toBe('messages');
    expect(backend.calls).toHaveLength(0);
  });

  it.each([
    ['empty string', '', 'input'],
    ['empty array', [], 'input'],
    ['empty item', ['a', ''], 'input[1]'],
    ['non-string item', ['a', 3], 'input[1]'],
  ])('embed: %s → %s', async (_, input, field) => {
    const error = await router.embed(input as string[], { model: 'm' }).catch((e: unknown) => e);
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect((error as InvalidRequestError).field).toBe(field);
  });

  it('embed without a model names options.model', async () => {
    const error = await router.embed('x', {} as never).catch((e: unknown) => e);
    expect((error as InvalidRequestError).field).toBe('options.model');
  });

  it('accepts the boundaries', async () => {
    await expect(router.generate(ok, { model: 'm', temperature: 0, maxTokens: 1 })).resolves.toMatchObject({ finishReason: 'stop' });
    await expect(router.generate(ok, { model: 'm', temperature: 2 })).resolves.toMatchObject({ finishReason: 'stop' });
  });
});
