import { createRouter, StreamInterruptedError } from '@router/core';
import type { CallOptions, Completion, Message, StreamPart, ToolDefinition } from '@router/core';
import { simulatedReasoning, simulatedToolCalls, startSimulator } from '@router/testing';
import type { Dialect, Simulator, ToolCallStyle } from '@router/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAICompatibleBackend } from '../src/index.ts';
import type { OpenAICompatibleSettings } from '../src/index.ts';

const recall: ToolDefinition = {
  name: 'recall',
  description: 'Search the memory.',
  parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' } }, required: ['query', 'limit'] },
};
const clock: ToolDefinition = { name: 'clock', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } };
const question: Message[] = [{ role: 'user', content: 'What did I say about tea? Answer with the café’s name.' }];

/** One model per way servers cut streamed tool calls, plus reasoning models. */
const models = {
  deltas: 'sim/tools-deltas',
  idEveryDelta: 'sim/tools-id-every-delta',
  whole: 'sim/tools-whole',
  stopAfterCalls: 'sim/tools-stop',
  reasoner: 'sim/reasoner',
  cached: 'sim/cached',
} as const;

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({
    models: {
      [models.deltas]: { toolCallStyle: 'deltas' },
      [models.idEveryDelta]: { toolCallStyle: 'id-every-delta' },
      [models.whole]: { toolCallStyle: 'whole' },
      [models.stopAfterCalls]: { toolCallsFinishReason: 'stop' },
      [models.reasoner]: { reasoningTokens: 12 },
      [models.cached]: { cachedPromptTokens: 4 },
    },
  });
});
afterAll(() => simulator.close());
beforeEach(() => simulator.reset());

function backend(dialect: Dialect = 'openai', extra: Partial<OpenAICompatibleSettings> = {}) {
  return createOpenAICompatibleBackend({ name: 'compat', baseURL: simulator.baseURL(dialect), apiKey: 'sk-test', ...extra });
}

/** What the simulator's model calls, with `input` parsed as the adapter must parse it. */
function expectedCalls(model: string, messages: readonly Message[], options: Pick<CallOptions, 'tools' | 'toolChoice' | 'parallelToolCalls'>) {
  const { tools = [], ...rest } = options;
  return simulatedToolCalls({ model, messages, tools, ...rest }).map((call) => ({ ...call, input: JSON.parse(call.arguments) as unknown }));
}

async function partsOf(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const seen: StreamPart[] = [];
  for await (const part of parts) seen.push(part);
  return seen;
}

/** The assistant turn that made `completion`'s calls, and one tool result per call. */
function answered(completion: Completion): Message[] {
  const calls = completion.toolCalls ?? [];
  return [
    ...question,
    { role: 'assistant', content: completion.text, toolCalls: calls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args })) },
    ...calls.map((call): Message => ({ role: 'tool', toolCallId: call.id, content: `Result of ${call.name}: Café Zürich 🙂` })),
  ];
}

describe('tool loop: call, tool result, final answer', () => {
  const ways = [
    ['generate', (model: string, messages: readonly Message[], options: Omit<CallOptions, 'model'>) => backend().generate(messages, { model, ...options })],
    ['stream', (model: string, messages: readonly Message[], options: Omit<CallOptions, 'model'>) => backend().stream(messages, { model, ...options }).collect()],
  ] as const;

  it.each(ways)('%s: the model calls the tool, gets the result back and answers with text', async (_, call) => {
    const model = models.deltas;
    const first = await call(model, question, { tools: [recall] });
    expect(first.finishReason).toBe('tool-calls');
    expect(first.text).toBe('');
    expect(first.toolCalls).toEqual(expectedCalls(model, question, { tools: [recall] }));

    const turn = answered(first);
    const final = await call(model, turn, { tools: [recall] });
    expect(final.finishReason).toBe('stop');
    expect(final.toolCalls).toBeUndefined();
    expect(final.text.length).toBeGreaterThan(0);
    // The replayed turn went out in the OpenAI shape.
    const sent = (simulator.requests.at(-1)!.body as { messages: unknown[] }).messages;
    expect(sent.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: first.toolCalls!.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) },
      { role: 'tool', tool_call_id: first.toolCalls![0]!.id, content: 'Result of recall: Café Zürich 🙂' },
    ]);
  });

  it.each([
    ['a first delta with id and name, then fragments', models.deltas, 'deltas'],
    ['the id repeated on every fragment', models.idEveryDelta, 'id-every-delta'],
    ['each call whole in one delta', models.whole, 'whole'],
  ] as const satisfies readonly (readonly [string, string, ToolCallStyle])[])('streams assembled from %s equal the non-streamed calls, in parallel', async (_, model) => {
    const options = { model, tools: [recall, clock] };
    const expected = expectedCalls(model, question, options);
    expect(expected).toHaveLength(2);
    const streamed = await backend().stream(question, options).collect();
    const generated = await backend().generate(question, options);
    expect(streamed.toolCalls).toEqual(expected);
    expect(generated.toolCalls).toEqual(expected);
    expect(streamed.finishReason).toBe('tool-calls');
  });

  it('a server that says finish_reason "stop" after tool calls still reports tool-calls', async () => {
    const options = { model: models.stopAfterCalls, tools: [recall] };
    for (const completion of [await backend().generate(question, options), await backend().stream(question, options).collect()]) {
      expect(completion.finishReason).toBe('tool-calls');
      expect(completion.toolCalls).toEqual(expectedCalls(models.stopAfterCalls, question, options));
    }
  });

  it('sends the caller’s tool choice: none gets text, a named tool gets that tool', async () => {
    const none = await backend().generate(question, { model: models.deltas, tools: [recall, clock], toolChoice: 'none' });
    expect(none.toolCalls).toBeUndefined();
    expect(none.finishReason).toBe('stop');
    const named = await backend().stream(question, { model: models.deltas, tools: [recall, clock], toolChoice: { name: 'clock' } }).collect();
    expect(named.toolCalls?.map((call) => call.name)).toEqual(['clock']);
  });
});

describe('parts()', () => {
  it('yields starts and argument pieces interleaved by index as they come, then each call whole, then finish', async () => {
    const options = { model: models.deltas, tools: [recall, clock] };
    const expected = expectedCalls(models.deltas, question, options);
    const parts = await partsOf(backend().stream(question, options).parts());

    const wholeAt = parts.findIndex((part) => part.type === 'tool-call');
    const streamedParts = parts.slice(0, wholeAt);
    expect(streamedParts.every((part) => part.type === 'tool-call-start' || part.type === 'tool-call-delta')).toBe(true);
    // Interleaved: call 1 opens before call 0's arguments are done.
    const secondStart = streamedParts.findIndex((part) => part.type === 'tool-call-start' && part.index === 1);
    const lastDeltaOfFirst = streamedParts.findLastIndex((part) => part.type === 'tool-call-delta' && part.index === 0);
    expect(secondStart).toBeGreaterThan(0);
    expect(secondStart).toBeLessThan(lastDeltaOfFirst);
    for (const [index, call] of expected.entries()) {
      expect(streamedParts.filter((part) => part.type === 'tool-call-start' && part.index === index)).toEqual([{ type: 'tool-call-start', index, id: call.id, name: call.name }]);
      const pieces = streamedParts.flatMap((part) => (part.type === 'tool-call-delta' && part.index === index ? [part.argumentsDelta] : []));
      expect(pieces.length).toBeGreaterThan(1);
      expect(pieces.join('')).toBe(call.arguments);
    }
    expect(parts.slice(wholeAt)).toEqual([
      { type: 'tool-call', index: 0, toolCall: expected[0] },
      { type: 'tool-call', index: 1, toolCall: expected[1] },
      expect.objectContaining({ type: 'finish', finishReason: 'tool-calls' }),
    ]);
  });

  it('the text view of a tool-call stream yields no text, and its completion has the calls', async () => {
    const options = { model: models.deltas, tools: [recall] };
    const stream = backend().stream(question, options);
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toEqual([]);
    expect((await stream.completion).toolCalls).toEqual(expectedCalls(models.deltas, question, options));
  });
});

describe('reasoning', () => {
  const expectedReasoning = () => simulatedReasoning({ model: models.reasoner, messages: question, profile: { reasoningTokens: 12 } });

  it.each(['openai', 'mlx-lm'] as const)('%s dialect: reasoning text and reasoning tokens come back, streamed and not', async (dialect) => {
    const client = backend(dialect);
    const generated = await client.generate(question, { model: models.reasoner });
    expect(generated.reasoning).toBe(expectedReasoning());
    expect(generated.usage?.reasoningTokens).toBe(12);
    const parts = await partsOf(client.stream(question, { model: models.reasoner }).parts());
    const firstText = parts.findIndex((part) => part.type === 'text');
    const reasoningParts = parts.filter((part) => part.type === 'reasoning');
    expect(reasoningParts.length).toBeGreaterThan(1);
    expect(parts.findLastIndex((part) => part.type === 'reasoning')).toBeLessThan(firstText);
    expect(reasoningParts.map((part) => (part.type === 'reasoning' ? part.text : '')).join('')).toBe(expectedReasoning());
    const finish = parts.at(-1);
    expect(finish?.type === 'finish' && finish.usage?.reasoningTokens).toBe(12);
  });

  it('the stream’s completion carries the reasoning, and the text view yields only the answer', async () => {
    const stream = backend().stream(question, { model: models.reasoner });
    let text = '';
    for await (const chunk of stream) text += chunk;
    const completion = await stream.completion;
    expect(completion.reasoning).toBe(expectedReasoning());
    expect(text).toBe(completion.text);
    expect(text).not.toContain(expectedReasoning().trim());
  });

  it('reasoning.exclude leaves the reasoning text out (the effort style has no field for it)', async () => {
    const options = { model: models.reasoner, reasoning: { effort: 'low', exclude: true } } as const;
    const generated = await backend().generate(question, options);
    expect(generated.reasoning).toBeUndefined();
    expect(generated.usage?.reasoningTokens).toBe(12);
    const parts = await partsOf(backend().stream(question, options).parts());
    expect(parts.some((part) => part.type === 'reasoning')).toBe(false);
    expect(simulator.requests.at(-1)!.body).toMatchObject({ reasoning_effort: 'low' });
  });

  it('reports cached prompt tokens', async () => {
    expect((await backend().generate(question, { model: models.cached })).usage?.cachedInputTokens).toBe(4);
    expect((await backend().stream(question, { model: models.cached }).collect()).usage?.cachedInputTokens).toBe(4);
  });
});

describe('interrupted in the middle of a tool call', () => {
  it('parts() fails with StreamInterruptedError carrying the partial call, and a router does not retry it', async () => {
    const options = { model: models.deltas, tools: [recall] };
    const [expected] = expectedCalls(models.deltas, question, options);
    // The start, then two argument fragments, then the connection drops.
    simulator.addFault({ fault: { kind: 'close-mid-stream', afterChunks: 3 }, model: models.deltas });
    const router = createRouter({ backends: { compat: backend() }, default: 'compat', reliability: { compat: { retry: { maxAttempts: 3, baseDelayMs: 1 } } } });

    const seen: StreamPart[] = [];
    const stream = router.stream(question, options);
    const error = await (async () => {
      for await (const part of stream.parts()) seen.push(part);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    const interrupted = error as StreamInterruptedError;
    expect(interrupted.partialText).toBe('');
    expect(interrupted.partialToolCalls).toHaveLength(1);
    const [partial] = interrupted.partialToolCalls;
    expect(partial).toMatchObject({ id: expected!.id, name: 'recall' });
    expect(partial!.arguments.length).toBeGreaterThan(0);
    expect(partial!.arguments.length).toBeLessThan(expected!.arguments.length);
    expect(expected!.arguments.startsWith(partial!.arguments)).toBe(true);
    // What was delivered is exactly what the error reports, and nothing after it.
    expect(seen.map((part) => part.type)).toEqual(['tool-call-start', 'tool-call-delta', 'tool-call-delta']);
    expect(seen.flatMap((part) => (part.type === 'tool-call-delta' ? [part.argumentsDelta] : [])).join('')).toBe(partial!.arguments);
    await expect(stream.completion).rejects.toBe(error);
    expect(simulator.requests.filter((request) => request.model === models.deltas)).toHaveLength(1);
  });
});
