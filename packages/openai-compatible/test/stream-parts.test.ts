import type { StreamPart } from '@router/core';
import { describe, expect, it } from 'vitest';
import { toFinishReason, toGenerateOutput, toStreamParts } from '../src/response.ts';
import type { StreamPartsOptions, WireChunk } from '../src/response.ts';
import type { WireDelta } from '../src/stream-deltas.ts';

async function* sent(chunks: WireChunk[]): AsyncGenerator<WireChunk> {
  yield* chunks;
}

async function partsOf(chunks: WireChunk[], options?: StreamPartsOptions): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of toStreamParts(sent(chunks), options)) parts.push(part);
  return parts;
}

const text = (content: string): WireChunk => ({ choices: [{ delta: { content } }] });
const delta = (fields: WireDelta, finish_reason?: string): WireChunk => ({ choices: [{ delta: fields, ...(finish_reason ? { finish_reason } : {}) }] });
const finish = (reason: string): WireChunk => ({ choices: [{ delta: {}, finish_reason: reason }] });

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

  describe('tool calls', () => {
    it('announces a call when its id and name come, then hands on its argument pieces (OpenAI shape)', async () => {
      const parts = await partsOf([
        delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'recall', arguments: '' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '{"query":' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '"tea"}' } }] }),
        finish('tool_calls'),
      ]);
      expect(parts).toEqual([
        { type: 'tool-call-start', index: 0, id: 'call_a', name: 'recall' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"query":' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '"tea"}' },
        { type: 'finish', finishReason: 'tool-calls' },
      ]);
    });

    it('announces a call once when the server repeats its id and name on every delta', async () => {
      const piece = (args: string) => delta({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'recall', arguments: args } }] });
      const parts = await partsOf([piece('{"q":'), piece('1}'), finish('tool_calls')]);
      expect(parts.filter((part) => part.type === 'tool-call-start')).toHaveLength(1);
      expect(parts.filter((part) => part.type === 'tool-call-delta').map((part) => part.type === 'tool-call-delta' && part.argumentsDelta)).toEqual(['{"q":', '1}']);
    });

    it('hands on a whole call in one delta, and several calls of one delta in order', async () => {
      const parts = await partsOf([
        delta({
          tool_calls: [
            { index: 0, id: 'call_a', function: { name: 'recall', arguments: '{"query":"tea"}' } },
            { index: 1, id: 'call_b', function: { name: 'clock', arguments: '{}' } },
          ],
        }),
        finish('tool_calls'),
      ]);
      expect(parts).toEqual([
        { type: 'tool-call-start', index: 0, id: 'call_a', name: 'recall' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"query":"tea"}' },
        { type: 'tool-call-start', index: 1, id: 'call_b', name: 'clock' },
        { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
        { type: 'finish', finishReason: 'tool-calls' },
      ]);
    });

    it('keeps interleaved parallel calls apart by index', async () => {
      const parts = await partsOf([
        delta({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'recall', arguments: '' } }] }),
        delta({ tool_calls: [{ index: 1, id: 'call_b', function: { name: 'clock', arguments: '{"tz":' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '{"query":"x"}' } }] }),
        delta({ tool_calls: [{ index: 1, function: { arguments: '"UTC"}' } }] }),
        finish('tool_calls'),
      ]);
      expect(parts.slice(0, -1).map((part) => (part.type === 'tool-call-delta' ? `${part.index}:${part.argumentsDelta}` : part.type === 'tool-call-start' ? `${part.index}:${part.name}` : part.type))).toEqual([
        '0:recall',
        '1:clock',
        '1:{"tz":',
        '0:{"query":"x"}',
        '1:"UTC"}',
      ]);
    });

    it('announces the name again when it comes after some arguments, under an id made up for a server that sends none', async () => {
      const parts = await partsOf([
        delta({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
        delta({ tool_calls: [{ index: 0, function: { name: 'recall', arguments: '1}' } }] }),
        finish('stop'),
      ]);
      expect(parts).toEqual([
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":' },
        { type: 'tool-call-start', index: 0, id: 'call_0', name: 'recall' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '1}' },
        // Core turns 'stop' after tool calls into 'tool-calls'; the converter reports what the server said.
        { type: 'finish', finishReason: 'stop' },
      ]);
    });

    it('takes the tool calls of the chunk that carries the finish reason', async () => {
      const parts = await partsOf([delta({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'recall', arguments: '{}' } }] }, 'tool_calls')]);
      expect(parts.map((part) => part.type)).toEqual(['tool-call-start', 'tool-call-delta', 'finish']);
    });
  });

  describe('reasoning', () => {
    it.each(['reasoning_content', 'reasoning'] as const)('hands on %s deltas as reasoning parts before the text', async (field) => {
      const parts = await partsOf([delta({ [field]: 'Think' }), delta({ [field]: 'ing.', content: 'Answer' }), finish('stop')]);
      expect(parts).toEqual([
        { type: 'reasoning', text: 'Think' },
        { type: 'reasoning', text: 'ing.' },
        { type: 'text', text: 'Answer' },
        { type: 'finish', finishReason: 'stop' },
      ]);
    });

    it('reads the text once from a server that sends both names', async () => {
      const parts = await partsOf([delta({ reasoning_content: 'Hmm.', reasoning: 'Hmm.' }), finish('stop')]);
      expect(parts.filter((part) => part.type === 'reasoning')).toEqual([{ type: 'reasoning', text: 'Hmm.' }]);
    });

    it('drops reasoning when the call excluded it, and keeps the text of the same delta', async () => {
      const parts = await partsOf([delta({ reasoning: 'secret', content: 'Hi' }), finish('stop')], { keepReasoning: false });
      expect(parts).toEqual([
        { type: 'text', text: 'Hi' },
        { type: 'finish', finishReason: 'stop' },
      ]);
    });
  });

  it('ignores null and empty extra fields (servers that send reasoning: null or tool_calls: [] with every delta)', async () => {
    const parts = await partsOf([delta({ content: 'a', reasoning: null, reasoning_content: null, tool_calls: [] }), finish('stop')]);
    expect(parts).toEqual([
      { type: 'text', text: 'a' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });

  it('writes arguments a server sends as an object back as JSON, streamed and not', async () => {
    const parts = await partsOf([delta({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'recall', arguments: { query: 'tea' } } }] }), finish('tool_calls')]);
    expect(parts[1]).toEqual({ type: 'tool-call-delta', index: 0, argumentsDelta: '{"query":"tea"}' });
    const output = toGenerateOutput(
      { choices: [] },
      { message: { content: null, tool_calls: [{ type: 'function', function: { name: 'recall', arguments: { query: 'tea' } } }] }, finish_reason: 'tool_calls' },
      true,
    );
    expect(output.toolCalls).toEqual([{ id: 'call_0', name: 'recall', arguments: '{"query":"tea"}', input: { query: 'tea' } }]);
    expect(output.text).toBe('');
  });
});
