import { withReliability } from '@router/core/reliability';
import { StreamInterruptedError, type CallOptions, type Message, type StreamPart, type ToolCall, type ToolDefinition } from '@router/core';
import { describe, expect, it } from 'vitest';
import type { Dialect, Fault } from '../simulator/index.ts';
import type { ConformanceContext } from './context.ts';
import { bodyOf, conversation, drain, drainParts, expectError, expectRefused, wireText } from './helpers.ts';

const weather: ToolDefinition = {
  name: 'get_weather',
  description: 'The forecast for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 }, metric: { type: 'boolean' } },
    required: ['city', 'days'],
  },
};
const clock: ToolDefinition = {
  name: 'get_time',
  description: 'The local time in a time zone',
  parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
};
const toolResult = '{"forecast":"sunny","high":"21°C"}';

/** A call as the completion reports it: the simulator's arguments, parsed. */
function asCompleted(call: { id: string; name: string; arguments: string }): ToolCall {
  return { ...call, input: JSON.parse(call.arguments) };
}

/** The conversation after the model's tool calls: its turn replayed, then one result per call. */
function answered(calls: readonly ToolCall[]): Message[] {
  return [
    ...conversation,
    { role: 'assistant', content: '', toolCalls: calls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args })) },
    ...calls.map((call): Message => ({ role: 'tool', toolCallId: call.id, content: toolResult })),
  ];
}

type WireMessage = { role?: unknown; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown };

/**
 * Tool calls, gated by `capabilities.tools`: the loop (call, result, answer) through generate and
 * stream, the parts view's order, parallel calls, tool choice, and a stream cut inside the arguments.
 */
export function toolTests(ctx: ConformanceContext): void {
  const supported = ctx.capabilities.tools === true;
  const needs = '(needs capabilities.tools)';

  describe('tools', () => {
    const loop = ctx.chatModel('tools-loop');
    const streamedLoop = ctx.chatModel('tools-loop-stream');
    // Deltas whatever the dialect's habit, so the parts view has argument pieces to show.
    const pieces = ctx.chatModel('tools-parts', { toolCallStyle: 'deltas' });
    const parallel = ctx.chatModel('tools-parallel');
    const single = ctx.chatModel('tools-single');
    const chosen = ctx.chatModel('tools-choice');
    const split = ctx.chatModel('tools-split-writes', { toolCallStyle: 'deltas' });
    const refused = ctx.chatModel('tools-refused');

    it.skipIf(!supported)(`generate: a tool loop, call then result then answer, with the tools and the replayed turn on the wire ${needs}`, async () => {
      const client = ctx.client();
      const options: CallOptions = { model: loop, tools: [weather] };
      const expected = ctx.expectedToolCalls(loop, conversation, options).map(asCompleted);
      expect(expected).toHaveLength(1);
      const first = await client.generate(conversation, options);
      expect(first.finishReason).toBe('tool-calls');
      expect(first.text).toBe('');
      expect(first.toolCalls).toEqual(expected);
      const sentTools = bodyOf(ctx.requestsFor(loop)[0] ?? { body: undefined }).tools;
      expect(sentTools).toMatchObject([{ type: 'function', function: { name: weather.name, description: weather.description, parameters: weather.parameters } }]);

      const followUp = answered(first.toolCalls ?? []);
      const second = await client.generate(followUp, options);
      expect(second.text).toBe(ctx.expectedReply(loop, followUp));
      expect(second.finishReason).toBe('stop');
      expect(second.toolCalls).toBeUndefined();
      const messages = bodyOf(ctx.requestsFor(loop)[1] ?? { body: undefined }).messages as WireMessage[];
      const [call] = expected as [ToolCall];
      expect(messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }] });
      expect(messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: call.id });
      expect(wireText(messages.at(-1)?.content)).toBe(toolResult);
    });

    it.skipIf(!supported)(`stream: the same loop; the text view yields nothing for the call and the completion carries it ${needs}`, async () => {
      const client = ctx.client();
      const options: CallOptions = { model: streamedLoop, tools: [weather] };
      const expected = ctx.expectedToolCalls(streamedLoop, conversation, options).map(asCompleted);
      const stream = client.stream(conversation, options);
      const { chunks, error } = await drain(stream);
      expect(error).toBeUndefined();
      expect(chunks.join('')).toBe('');
      const first = await stream.completion;
      expect(first.toolCalls).toEqual(expected);
      expect(first.finishReason).toBe('tool-calls');

      const followUp = answered(first.toolCalls ?? []);
      const answer = client.stream(followUp, options);
      const text = await drain(answer);
      expect(text.error).toBeUndefined();
      expect(text.chunks.join('')).toBe(ctx.expectedReply(streamedLoop, followUp));
      const second = await answer.completion;
      expect(second.finishReason).toBe('stop');
      expect(second.toolCalls).toBeUndefined();
    });

    it.skipIf(!supported)(`parts(): tool-call-start, argument deltas that join to the arguments, the assembled tool-call, then finish ${needs}`, async () => {
      const options: CallOptions = { model: pieces, tools: [weather] };
      const [expected] = ctx.expectedToolCalls(pieces, conversation, options);
      const { parts, error } = await drainParts(ctx.client().stream(conversation, options));
      expect(error).toBeUndefined();
      expect(parts[0]).toEqual({ type: 'tool-call-start', index: 0, id: expected?.id, name: expected?.name });
      const middle = parts.slice(1, -2);
      expect(middle.every((part) => part.type === 'tool-call-delta' && part.index === 0)).toBe(true);
      const deltas = middle.map((part) => (part.type === 'tool-call-delta' ? part.argumentsDelta : ''));
      expect(deltas.filter((delta) => delta !== '').length, 'the arguments arrived in several pieces').toBeGreaterThan(1);
      expect(deltas.join('')).toBe(expected?.arguments);
      expect(parts.at(-2)).toEqual({ type: 'tool-call', index: 0, toolCall: asCompleted(expected ?? { id: '', name: '', arguments: '' }) });
      expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
    });

    it.skipIf(!supported)(`parallel calls: two tools called at once, through generate and through parts() interleaved by index ${needs}`, async () => {
      const options: CallOptions = { model: parallel, tools: [weather, clock] };
      const expected = ctx.expectedToolCalls(parallel, conversation, options).map(asCompleted);
      expect(expected.map((call) => call.name)).toEqual([weather.name, clock.name]);
      const client = ctx.client();
      expect((await client.generate(conversation, options)).toolCalls).toEqual(expected);

      const { parts, error } = await drainParts(client.stream(conversation, options));
      expect(error).toBeUndefined();
      const starts = parts.filter((part) => part.type === 'tool-call-start');
      expect(starts.map((part) => [part.index, part.id, part.name])).toEqual(expected.map((call, index) => [index, call.id, call.name]));
      for (const [index, call] of expected.entries()) {
        const joined = parts.map((part) => (part.type === 'tool-call-delta' && part.index === index ? part.argumentsDelta : '')).join('');
        expect(joined, `arguments of call ${index}`).toBe(call.arguments);
      }
      const complete = parts.filter((part): part is Extract<StreamPart, { type: 'tool-call' }> => part.type === 'tool-call');
      expect(complete.map((part) => part.toolCall)).toEqual(expected);
      expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
    });

    it.skipIf(!supported || ctx.capabilities.toolChoice === false)(`parallelToolCalls false and a named toolChoice reach the wire and are obeyed ${needs} (and toolChoice)`, async () => {
      const client = ctx.client();
      const one = await client.generate(conversation, { model: single, tools: [weather, clock], parallelToolCalls: false });
      expect(one.toolCalls?.map((call) => call.name)).toEqual([weather.name]);
      expect(bodyOf(await ctx.finishedRequest(single)).parallel_tool_calls).toBe(false);
      const named = await client.generate(conversation, { model: chosen, tools: [weather, clock], toolChoice: { name: clock.name } });
      expect(named.toolCalls?.map((call) => call.name)).toEqual([clock.name]);
      expect(bodyOf(await ctx.finishedRequest(chosen)).tool_choice).toEqual({ type: 'function', function: { name: clock.name } });
    });

    it.skipIf(!supported)(`exact arguments when the bytes arrive split inside lines and characters ${needs}`, async () => {
      ctx.simulator.addFault({ model: split, fault: { kind: 'split-writes' } });
      const options: CallOptions = { model: split, tools: [weather, clock] };
      const completion = await ctx.client().stream(conversation, options).collect();
      expect(completion.toolCalls).toEqual(ctx.expectedToolCalls(split, conversation, options).map(asCompleted));
    });

    // The start delta and three argument pieces, then the fault.
    const cuts: { label: string; fault: Fault; onlyFor?: Dialect }[] = [
      { label: 'a connection closed', fault: { kind: 'close-mid-stream', afterChunks: 4 } },
      { label: 'an in-stream error event', fault: { kind: 'error-event', afterChunks: 4, code: 502 }, onlyFor: 'openrouter' },
    ];
    for (const { label, fault, onlyFor } of cuts) {
      const broken = ctx.chatModel(`tools-broken-${fault.kind}`, { toolCallStyle: 'deltas' });
      const skip = !supported || (onlyFor !== undefined && onlyFor !== ctx.dialect);
      const why = onlyFor === undefined ? needs : `(needs capabilities.tools; only ${onlyFor} reports errors inside a stream)`;
      it.skipIf(skip)(`parts(): ${label} inside a call's arguments gives StreamInterruptedError carrying the partial call, never retried ${why}`, async () => {
        ctx.simulator.addFault({ model: broken, fault });
        const options: CallOptions = { model: broken, tools: [weather] };
        const [expected] = ctx.expectedToolCalls(broken, conversation, options);
        const retrying = withReliability(ctx.client(), { retry: { maxAttempts: 3, baseDelayMs: 1 } });
        const { parts, error } = await drainParts(retrying.stream(conversation, options));
        expect(parts[0]).toMatchObject({ type: 'tool-call-start', id: expected?.id, name: expected?.name });
        const interrupted = expectError(error, StreamInterruptedError);
        expect(interrupted.partialText).toBe('');
        expect(interrupted.isRetryable).toBe(false);
        expect(interrupted.partialToolCalls).toHaveLength(1);
        const [partial] = interrupted.partialToolCalls;
        expect(partial).toMatchObject({ id: expected?.id, name: expected?.name });
        const delivered = parts.map((part) => (part.type === 'tool-call-delta' ? part.argumentsDelta : '')).join('');
        expect(partial?.arguments).toBe(delivered);
        expect(delivered.length, 'some arguments arrived').toBeGreaterThan(0);
        expect(delivered.length, 'the arguments were cut short').toBeLessThan(expected?.arguments.length ?? 0);
        expect(expected?.arguments.startsWith(delivered)).toBe(true);
        expect(ctx.requestsFor(broken), 'one attempt: no retry after the first part').toHaveLength(1);
      });
    }

    it.skipIf(supported)('refuses a call with tools before the network, naming the capability (capabilities.tools is false)', async () => {
      await expectRefused(ctx, 'tools', conversation, { model: refused, tools: [weather] });
    });
  });
}
