import type { StreamPart } from '@router/core';
import { describe, expect, it } from 'vitest';
import { toFinishReason, toStreamParts } from '../src/response.ts';
import type { WireChunk } from '../src/response.ts';

async function* sent(chunks: WireChunk[]): AsyncGenerator<WireChunk> {
  yield* chunks;
}

async function partsOf(chunks: WireChunk[]): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of toStreamParts(sent(chunks))) parts.push(part);
  return parts;
}

const text = (content: string): WireChunk => ({ choices: [{ delta: { content } }] });

// Shapes the simulator does not produce but servers might: checked on the converter itself.
describe('toStreamParts', () => {
  it('a repeated finish chunk adds neither text nor usage a second time', async () => {
    const usage = { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 };
    const parts = await partsOf([
      text('Hello '),
      { choices: [{ delta: { content: 'world' }, finish_reason: 'stop' }], usage },
      { choices: [{ delta: { content: 'world' }, finish_reason: 'stop' }], usage },
    ]);
    expect(parts).toEqual([
      { type: 'text', text: 'Hello ' },
      { type: 'text', text: 'world' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 4, outputTokens: 2, totalTokens: 6 } },
    ]);
  });

  it('takes usage from a last chunk with no choices, and the model from the chunks', async () => {
    const parts = await partsOf([
      { model: 'served-model', choices: [{ delta: { content: 'Hi' }, finish_reason: 'length' }] },
      { choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } },
    ]);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'length', model: 'served-model', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } });
  });

  it('left before the response arrived, it still ends the SDK stream once the response is there', async () => {
    let ended = false;
    const sdkStream: AsyncIterable<WireChunk> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<WireChunk>>(() => {}),
        return: async () => {
          ended = true;
          return { done: true, value: undefined };
        },
      }),
    };
    let arrive!: (stream: AsyncIterable<WireChunk>) => void;
    const parts = toStreamParts(new Promise<AsyncIterable<WireChunk>>((resolve) => (arrive = resolve)));
    void parts.next();
    const leaving = parts.return!();
    arrive(sdkStream);
    await leaving;
    expect(ended).toBe(true);
  });

  it('yields no finish part when no chunk finished (core then reports an incomplete stream)', async () => {
    expect(await partsOf([text('a'), text('b')])).toEqual([
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
    ]);
  });

  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content_filter', 'content-filter'],
    ['tool_calls', 'tool-calls'],
    ['function_call', 'tool-calls'],
    ['error', 'error'],
    ['eos_token', 'other'],
    [null, 'unknown'],
  ] as const)('maps finish reason %s to %s', (wire, mapped) => {
    expect(toFinishReason(wire)).toBe(mapped);
  });
});
