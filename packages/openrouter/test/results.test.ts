/**
 * What comes back from OpenRouter beyond text, read from the provider model's
 * own results: reasoning (OpenRouter sends it as `reasoning` and
 * `reasoning_details`), its token counts and cached input, and tool calls in
 * each way a server may cut them into deltas.
 */
import { AbortedError, StreamInterruptedError, type CallOptions, type Message, type StreamPart, type ToolDefinition } from '@router/core';
import { simulatedReasoning, simulatedToolCalls, type ModelProfile } from '@router/testing';
import { describe, expect, it, vi } from 'vitest';
import { caught, useSimulator, user } from './support.ts';

const thinking: Partial<ModelProfile> = { reasoningTokens: 6, cachedPromptTokens: 3 };
const sim = useSimulator({
  models: {
    'm/think': thinking,
    'm/whole': { toolCallStyle: 'whole' },
    'm/repeat-id': { toolCallStyle: 'id-every-delta' },
    'm/stop-after-tools': { toolCallsFinishReason: 'stop' },
    'm/think-then-call': { reasoningTokens: 4 },
    // Paced: a response that ignored an abort would take seconds.
    'm/slow-call': { tokensPerSecond: 20 },
  },
});

const lookup: ToolDefinition = {
  name: 'lookup',
  description: 'Looks a word up.',
  parameters: { type: 'object', properties: { word: { type: 'string' }, note: { type: 'string' } }, required: ['word', 'note'] },
};
const weather: ToolDefinition = { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

async function partsOf(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('reasoning', () => {
  const reasoning = simulatedReasoning({ model: 'm/think', messages: user, profile: thinking });

  it('generate: the reasoning text, its tokens, the cached input and the reasoning details', async () => {
    const completion = await sim.backend().generate(user, { model: 'm/think', reasoning: { effort: 'low' } });
    expect(reasoning).not.toBe('');
    expect(completion.reasoning).toBe(reasoning);
    expect(completion.usage).toMatchObject({ reasoningTokens: 6, cachedInputTokens: 3 });
    expect(completion.usage?.outputTokens).toBeGreaterThan(6);
    const openrouter = (completion.providerMetadata as { openrouter: { reasoningDetails?: { type: string }[] } }).openrouter;
    expect(openrouter.reasoningDetails?.[0]?.type).toBe('reasoning.text');
  });

  it('stream: reasoning parts come first, then text; the completion joins each', async () => {
    const stream = sim.backend().stream(user, { model: 'm/think', reasoning: { effort: 'high' } });
    const parts = await partsOf(stream.parts());
    const kinds = parts.map((part) => part.type);
    expect(kinds.indexOf('text')).toBeGreaterThan(kinds.lastIndexOf('reasoning'));
    expect(kinds.at(-1)).toBe('finish');
    const joined = (type: 'text' | 'reasoning'): string =>
      parts.map((part) => (part.type === type ? part.text : '')).join('');
    const completion = await stream.completion;
    expect(joined('reasoning')).toBe(reasoning);
    expect(completion.reasoning).toBe(reasoning);
    expect(completion.text).toBe(joined('text'));
    expect(completion.usage).toMatchObject({ reasoningTokens: 6, cachedInputTokens: 3 });
  });

  it("reasoning.exclude: OpenRouter keeps the text back, and the tokens still count", async () => {
    const completion = await sim.backend().generate(user, { model: 'm/think', reasoning: { exclude: true } });
    const streamed = await sim.backend().stream(user, { model: 'm/think', reasoning: { exclude: true } }).collect();
    for (const result of [completion, streamed]) {
      expect(result.reasoning).toBeUndefined();
      expect(result.usage?.reasoningTokens).toBe(6);
    }
  });

  it('reports no reasoning or cached counts where the service reports none', async () => {
    const completion = await sim.backend().generate(user, { model: 'm/plain' });
    expect(completion.usage).not.toHaveProperty('reasoningTokens');
    expect(completion.usage).not.toHaveProperty('cachedInputTokens');
    expect(completion).not.toHaveProperty('reasoning');
  });
});

describe('tool calls in each way a server cuts them', () => {
  const ask: Message[] = [{ role: 'user', content: 'Look up "naïve" and check the weather.' }];
  const options = (model: string): CallOptions => ({ model, tools: [lookup, weather] });

  it.each(['m/deltas', 'm/whole', 'm/repeat-id', 'm/stop-after-tools'])('%s: generate and stream give the exact calls, finish reason tool-calls', async (model) => {
    const expected = simulatedToolCalls({ model, messages: ask, tools: [lookup, weather] });
    expect(expected).toHaveLength(2);
    const generated = await sim.backend().generate(ask, options(model));
    const stream = sim.backend().stream(ask, options(model));
    const parts = await partsOf(stream.parts());
    const streamed = await stream.completion;

    for (const completion of [generated, streamed]) {
      expect(completion.finishReason).toBe('tool-calls');
      expect(completion.text).toBe('');
      expect(completion.toolCalls?.map(({ id, name, arguments: args }) => ({ id, name, arguments: args }))).toEqual(expected);
      expect(completion.toolCalls?.map((call) => call.input)).toEqual(expected.map((call) => JSON.parse(call.arguments)));
    }
    // The parts view: each call opens with its id and name, and its pieces join to its arguments.
    const starts = parts.flatMap((part) => (part.type === 'tool-call-start' ? [part] : []));
    expect(starts.map(({ id, name }) => ({ id, name }))).toEqual(expected.map(({ id, name }) => ({ id, name })));
    for (const start of starts) {
      const pieces = parts.flatMap((part) => (part.type === 'tool-call-delta' && part.index === start.index ? [part.argumentsDelta] : []));
      expect(pieces.join('')).toBe(expected.find((call) => call.id === start.id)?.arguments);
    }
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
  });

  it('a model that reasons before it calls: reasoning parts, then the call', async () => {
    const stream = sim.backend().stream(ask, { ...options('m/think-then-call'), reasoning: { effort: 'medium' } });
    const kinds = (await partsOf(stream.parts())).map((part) => part.type);
    expect(kinds[0]).toBe('reasoning');
    expect(kinds.indexOf('tool-call-start')).toBeGreaterThan(kinds.lastIndexOf('reasoning'));
    const completion = await stream.completion;
    expect(completion.reasoning).not.toBe('');
    expect(completion.toolCalls).toHaveLength(2);
  });

  it('a tool loop through generate: the call, the result sent back, then the answer', async () => {
    const backend = sim.backend();
    const first = await backend.generate(ask, { model: 'm/loop', tools: [lookup], toolChoice: 'auto' });
    const [call] = first.toolCalls ?? [];
    if (!call) throw new Error('expected a tool call');
    const answer = await backend.generate(
      [...ask, { role: 'assistant', content: first.text, toolCalls: first.toolCalls }, { role: 'tool', toolCallId: call.id, content: 'Naïve: lacking experience.' }],
      { model: 'm/loop', tools: [lookup] },
    );
    expect(answer.finishReason).toBe('stop');
    expect(answer.toolCalls).toBeUndefined();
    expect(answer.text).not.toBe('');
  });

  it('an error event inside the arguments: the text view fails with nothing delivered, so core may still retry', async () => {
    sim.simulator().addFault({ fault: { kind: 'error-event', afterChunks: 2, code: 502 } });
    const stream = sim.backend().stream(ask, options('m/deltas'));
    const error = await caught(async () => {
      for await (const _ of stream);
    });
    // Tool-call parts do not reach a text consumer: the failure is the typed error itself, not an interruption.
    expect(StreamInterruptedError.isInstance(error)).toBe(false);
    expect(error).toMatchObject({ code: 'backend', status: 502, isRetryable: true });
  });
});

describe('leaving inside a tool call', () => {
  const ask: Message[] = [{ role: 'user', content: 'Look something up.' }];

  it("an abort inside a call's arguments ends parts() with AbortedError and closes the connection", async () => {
    const controller = new AbortController();
    const stream = sim.backend().stream(ask, { model: 'm/slow-call', tools: [lookup], signal: controller.signal });
    const seen: StreamPart['type'][] = [];
    const error = await caught(async () => {
      for await (const part of stream.parts()) {
        seen.push(part.type);
        if (part.type === 'tool-call-delta') controller.abort();
      }
    });
    expect(AbortedError.isInstance(error)).toBe(true);
    expect(seen).toContain('tool-call-start');
    expect(seen).not.toContain('finish');
    await expect(stream.completion).rejects.toSatisfy(AbortedError.isInstance);
    const request = await vi.waitFor(() => {
      const [logged] = sim.requests();
      expect(logged?.endedAt).toBeDefined();
      return logged!;
    });
    expect(request.clientAborted).toBe(true);
  });
});
