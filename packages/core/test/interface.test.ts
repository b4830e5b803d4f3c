import { afterEach, describe, expect, it, vi } from 'vitest';
import { classify } from '../src/classify.ts';
import { createBackend } from '../src/adapter.ts';
import {
  createRouter,
  InvalidRequestError,
  StreamInterruptedError,
  UnsupportedOperationError,
  type BackendCall,
  type BackendCapabilities,
  type CallOptions,
  type Message,
  type StreamPart,
} from '../src/index.ts';

const user: Message = { role: 'user', content: 'What is the weather in Zürich?' };
const weatherTool = { name: 'weather', description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

type Script = (call: BackendCall) => AsyncGenerator<StreamPart>;

/** A backend whose stream is the given script, with every capability unless told otherwise. */
function partsBackend(script: Script, capabilities: Partial<BackendCapabilities> = {}) {
  const calls: BackendCall[] = [];
  const backend = createBackend({
    name: 'parts',
    capabilities: { tools: true, images: true, reasoning: true, ...capabilities },
    async generate(call) {
      calls.push(call);
      return { text: '', finishReason: 'tool-calls', toolCalls: [{ id: 'c1', name: 'weather', arguments: '{"city":"Zürich"}', input: { city: 'Zürich' } }] };
    },
    stream(call) {
      calls.push(call);
      return script(call);
    },
  });
  return Object.assign(backend, { calls });
}

/** Two tool calls whose argument pieces interleave, after some reasoning; the server says `stop`, as older vLLM does. */
async function* twoToolCalls(): AsyncGenerator<StreamPart> {
  yield { type: 'reasoning', text: 'The user wants ' };
  yield { type: 'reasoning', text: 'two cities.' };
  yield { type: 'tool-call-start', index: 0, id: 'call_a', name: 'weather' };
  yield { type: 'tool-call-start', index: 1, id: 'call_b', name: 'weather' };
  yield { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Zü' };
  yield { type: 'tool-call-delta', index: 1, argumentsDelta: '{"city":' };
  yield { type: 'tool-call-delta', index: 0, argumentsDelta: 'rich"}' };
  yield { type: 'tool-call-delta', index: 1, argumentsDelta: '"Bern"}' };
  yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 9, outputTokens: 20, reasoningTokens: 6 } };
}

const toolOptions: CallOptions = { model: 'm', tools: [weatherTool] };

afterEach(() => {
  vi.useRealTimers();
});

describe('messages and options of the second edition are validated before the network, naming the field', () => {
  const backend = partsBackend(twoToolCalls);
  const cases: [string, Message[], CallOptions, string][] = [
    ['image bytes without a media type', [{ role: 'user', content: [{ type: 'image', image: new Uint8Array([1, 2]) }] }], { model: 'm' }, 'messages[0].content[0].mediaType'],
    ['an image that is no URL', [{ role: 'user', content: [{ type: 'image', image: 'file:///etc/passwd' }] }], { model: 'm' }, 'messages[0].content[0].image'],
    ['a tool message with no id', [user, { role: 'tool', content: 'sunny' } as unknown as Message], { model: 'm' }, 'messages[1].toolCallId'],
    ['a tool result for a call nobody made', [user, { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'weather', arguments: '{}' }] }, { role: 'tool', toolCallId: 'b', content: 'sunny' }], { model: 'm' }, 'messages[2].toolCallId'],
    ['a tool call with no name', [user, { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: '', arguments: '{}' }] }], { model: 'm' }, 'messages[1].toolCalls[0].name'],
    ['a tool name with spaces', [user], { model: 'm', tools: [{ name: 'the weather' }] }, 'options.tools[0].name'],
    ['a tool choice naming no offered tool', [user], { model: 'm', tools: [weatherTool], toolChoice: { name: 'news' } }, 'options.toolChoice.name'],
    ['an unknown reasoning effort', [user], { model: 'm', reasoning: { effort: 'max' as 'high' } }, 'options.reasoning.effort'],
  ];
  it.each(cases)('%s', async (_, messages, options, field) => {
    const error = await backend.generate(messages, options).catch((caught: unknown) => caught);
    expect(InvalidRequestError.isInstance(error) && error.field).toBe(field);
    expect(backend.calls).toHaveLength(0);
  });

  it('accepts a full tool round: call, result, images by URL, data URL and bytes', async () => {
    const messages: Message[] = [
      { role: 'user', content: [{ type: 'text', text: 'Weather where these are?' }, { type: 'image', image: 'https://example.com/a.png' }, { type: 'image', image: 'data:image/png;base64,iVBORw0KGgo=' }, { type: 'image', image: new Uint8Array([137, 80]), mediaType: 'image/png' }] },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'weather', arguments: '{"city":"Zürich"}' }] },
      { role: 'tool', toolCallId: 'c1', content: 'sunny' },
    ];
    await expect(backend.generate(messages, toolOptions)).resolves.toMatchObject({ toolCalls: [{ id: 'c1', input: { city: 'Zürich' } }] });
  });
});

describe('the parts view of a stream', () => {
  it('yields every part in order, then the assembled tool calls and finish; the completion carries them', async () => {
    const stream = partsBackend(twoToolCalls).stream([user], toolOptions);
    const parts: StreamPart[] = [];
    for await (const part of stream.parts()) parts.push(part);
    expect(parts.map((part) => part.type)).toEqual([
      'reasoning', 'reasoning', 'tool-call-start', 'tool-call-start',
      'tool-call-delta', 'tool-call-delta', 'tool-call-delta', 'tool-call-delta',
      'tool-call', 'tool-call', 'finish',
    ]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls', usage: { reasoningTokens: 6 } });
    const completion = await stream.completion;
    expect(completion.toolCalls).toEqual([
      { id: 'call_a', name: 'weather', arguments: '{"city":"Zürich"}', input: { city: 'Zürich' } },
      { id: 'call_b', name: 'weather', arguments: '{"city":"Bern"}', input: { city: 'Bern' } },
    ]);
    expect(completion).toMatchObject({ reasoning: 'The user wants two cities.', finishReason: 'tool-calls', text: '' });
  });

  it('the text view yields text only, and its completion has the tool calls too', async () => {
    const stream = partsBackend(async function* () {
      yield { type: 'reasoning', text: 'hmm' };
      yield { type: 'text', text: 'Let me ' };
      yield { type: 'tool-call-start', index: 0, id: 'x', name: 'weather' };
      yield { type: 'tool-call-delta', index: 0, argumentsDelta: 'not json' };
      yield { type: 'text', text: 'check.' };
      yield { type: 'finish', finishReason: 'tool-calls' };
    }).stream([user], toolOptions);
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toEqual(['Let me ', 'check.']);
    // Arguments that are no JSON stay raw, with no parsed input.
    expect((await stream.completion).toolCalls).toEqual([{ id: 'x', name: 'weather', arguments: 'not json' }]);
  });

  it('a stream is read as text or as parts, not both', async () => {
    const stream = partsBackend(twoToolCalls).stream([user], toolOptions);
    await stream.collect();
    expect(() => stream.parts()[Symbol.asyncIterator]()).toThrow(TypeError);
  });

  it('through a router with listeners and a retry policy, the parts arrive whole and in order', async () => {
    const router = createRouter({
      backends: { p: partsBackend(twoToolCalls) },
      default: 'p',
      reliability: { p: { retry: { maxAttempts: 2 } } },
      listeners: [() => undefined],
      timingLog: false,
    });
    const parts: StreamPart[] = [];
    for await (const part of router.stream([user], toolOptions).parts()) parts.push(part);
    expect(parts.filter((part) => part.type === 'tool-call')).toHaveLength(2);
    expect(parts.at(-1)?.type).toBe('finish');
  });
});

describe('a stream interrupted in the middle of a tool call', () => {
  async function* cutInArguments(): AsyncGenerator<StreamPart> {
    yield { type: 'text', text: 'Checking. ' };
    yield { type: 'tool-call-start', index: 0, id: 'call_a', name: 'weather' };
    yield { type: 'tool-call-delta', index: 0, argumentsDelta: '{"ci' };
    throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
  }

  it('parts view: StreamInterruptedError with the text and the partial tool call, never retried', async () => {
    const backend = partsBackend(cutInArguments);
    const router = createRouter({ backends: { p: backend }, default: 'p', reliability: { p: { retry: { maxAttempts: 3, baseDelayMs: 1 } } }, timingLog: false });
    const seen: StreamPart[] = [];
    const error = await (async () => {
      for await (const part of router.stream([user], toolOptions).parts()) seen.push(part);
    })().catch((caught: unknown) => caught);
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    const interrupted = error as StreamInterruptedError;
    expect(interrupted.partialText).toBe('Checking. ');
    expect(interrupted.partialToolCalls).toEqual([{ id: 'call_a', name: 'weather', arguments: '{"ci' }]);
    expect(seen.map((part) => part.type)).toEqual(['text', 'tool-call-start', 'tool-call-delta']);
    expect(backend.calls).toHaveLength(1);
  });

  it('before any part reached the caller, the same failure is retried', async () => {
    let attempts = 0;
    const backend = partsBackend(async function* () {
      attempts++;
      if (attempts === 1) {
        // Reasoning and tool pieces the text view never shows: nothing reached its caller.
        yield { type: 'tool-call-start', index: 0, id: 'call_a', name: 'weather' };
        throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
      }
      yield { type: 'text', text: 'Sunny.' };
      yield { type: 'finish', finishReason: 'stop' };
    });
    const router = createRouter({ backends: { p: backend }, default: 'p', reliability: { p: { retry: { maxAttempts: 2, baseDelayMs: 1, retryOn: () => true } } }, timingLog: false });
    const completion = await router.stream([user], toolOptions).collect();
    expect(completion).toMatchObject({ text: 'Sunny.', attempts: 2 });
  });
});

describe('reasoning is activity', () => {
  it('a model reasoning longer than firstChunkTimeoutMs before its first text does not time out', async () => {
    vi.useFakeTimers();
    const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const stream = partsBackend(async function* () {
      for (let i = 0; i < 10; i++) {
        await tick(400);
        yield { type: 'reasoning', text: `step ${i}. ` };
      }
      yield { type: 'text', text: 'Answer.' };
      yield { type: 'finish', finishReason: 'stop' };
    }).stream([user], { model: 'm', firstChunkTimeoutMs: 1_000, idleTimeoutMs: 1_000, reasoning: { effort: 'high' } });
    const done = stream.collect();
    await vi.advanceTimersByTimeAsync(4_500);
    const completion = await done;
    expect(completion.text).toBe('Answer.');
    expect(completion.reasoning).toContain('step 9.');
  });
});

describe('capabilities of the second edition', () => {
  it.each([
    ['tools', { tools: false }, [user], toolOptions],
    ['images', { images: false }, [{ role: 'user', content: [{ type: 'image', image: 'https://example.com/a.png' }] }], { model: 'm' }],
    ['reasoning', { reasoning: false }, [user], { model: 'm', reasoning: { effort: 'low' } }],
  ] as const)('a call needing %s fails before the network on a backend without it', async (capability, declared, messages, options) => {
    const backend = partsBackend(twoToolCalls, declared);
    const error = await backend.generate(messages as readonly Message[], options as CallOptions).catch((caught: unknown) => caught);
    expect(UnsupportedOperationError.isInstance(error) && error.capability).toBe(capability);
    expect(backend.calls).toHaveLength(0);
  });
});

describe('classify with a JSON Schema', () => {
  const schema = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'] };
  const validate = (value: unknown) => value as { label: string };

  it.each([
    [true, 'json_schema'],
    [false, 'json_object'],
  ] as const)('structuredOutputs %s: the response format is %s, through a router', async (structuredOutputs, type) => {
    const formats: unknown[] = [];
    const backend = createBackend({
      name: 'json',
      capabilities: { structuredOutputs },
      async generate(call) {
        formats.push(call.options.responseFormat);
        return { text: '{"label":"greeting"}', finishReason: 'stop' };
      },
      async *stream(): AsyncGenerator<StreamPart> {
        yield { type: 'finish', finishReason: 'stop' };
      },
    });
    const router = createRouter({ backends: { json: backend }, default: 'json', timingLog: false });
    await expect(classify(router, [user], { model: 'm', schema: validate, jsonSchema: schema })).resolves.toEqual({ label: 'greeting' });
    expect(formats[0]).toMatchObject(type === 'json_schema' ? { type, schema } : { type });
  });
});
