import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createRouter } from '@router/core';
import { createOpenAICompatibleBackend } from '@router/openai-compatible';
import { startSimulator, type Simulator } from '@router/testing';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import OpenAI, { type APIError } from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, serve, type GatewayServer } from '../src/index.ts';

// Tools, images and reasoning through the gateway, with real clients, against the simulator.
const models = { chat: 'sim-chat', think: 'sim-think', broken: 'sim-broken', plain: 'plain-chat' } as const;
const reasoningTokens = 12;
const cachedTokens = 5;

const tools: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The weather in a city.',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
  {
    type: 'function',
    function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } },
  },
];
const question: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Lisbon, and the time there?' }];

let sim: Simulator;
let server: GatewayServer;
let client: OpenAI;
const upstreamBodies = (): Record<string, unknown>[] => sim.requests.map((request) => request.body as Record<string, unknown>);

beforeAll(async () => {
  sim = await startSimulator({
    models: { [models.think]: { reasoningTokens, cachedPromptTokens: cachedTokens } },
    faults: [{ model: models.broken, fault: { kind: 'close-mid-stream', afterChunks: 3 } }],
  });
  const baseURL = sim.baseURL('openai');
  const router = createRouter({
    backends: {
      sim: createOpenAICompatibleBackend({ name: 'sim', baseURL, apiKey: 'upstream-key' }),
      // A server that declares it has no tools, images or reasoning.
      plain: createOpenAICompatibleBackend({ name: 'plain', baseURL, apiKey: 'upstream-key', capabilities: { tools: false, images: false, reasoning: false } }),
    },
    rules: [
      { prefix: 'sim-', backend: 'sim' },
      { prefix: 'plain-', backend: 'plain' },
    ],
    timingLog: false,
  });
  server = await serve(createGateway({ router, models: Object.values(models), log: false }), { port: 0 });
  client = new OpenAI({ apiKey: 'unused', baseURL: `${server.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await sim?.close();
});

/** The tool calls of a stream, put together from its chunks by index, with the first delta of each call as it came. */
function assemble(chunks: ChatCompletionChunk[]): { calls: { id: string; name: string; arguments: string }[]; firsts: unknown[] } {
  const calls: { id: string; name: string; arguments: string }[] = [];
  const firsts: unknown[] = [];
  for (const chunk of chunks) {
    for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
      if (calls[delta.index] === undefined) {
        firsts[delta.index] = delta;
        calls[delta.index] = { id: delta.id ?? '', name: delta.function?.name ?? '', arguments: '' };
      }
      calls[delta.index]!.arguments += delta.function?.arguments ?? '';
    }
  }
  return { calls, firsts };
}

describe('tool calls through the openai SDK', () => {
  it('a full tool loop, non-streamed: content null, finish_reason tool_calls, then the answer from the tool result', async () => {
    const first = await client.chat.completions.create({ model: models.chat, messages: question, tools, parallel_tool_calls: false });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0]!;
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(call.id).toMatch(/^call_/);
    expect(JSON.parse(call.function.arguments)).toHaveProperty('city');
    // What the backend was sent: the tools in OpenAI's shape and the parallel flag.
    expect(upstreamBodies().at(-1)).toMatchObject({ tools, parallel_tool_calls: false });

    const answer = await client.chat.completions.create({
      model: models.chat,
      tools,
      messages: [...question, choice.message, { role: 'tool', tool_call_id: call.id, content: '{"sky":"clear","celsius":21}' }],
    });
    expect(answer.choices[0]!.finish_reason).toBe('stop');
    expect(answer.choices[0]!.message.content).toEqual(expect.any(String));
    expect(answer.choices[0]!.message.tool_calls).toBeUndefined();
    const replayed = upstreamBodies().at(-1)!.messages as Record<string, unknown>[];
    expect(replayed[1]).toMatchObject({ role: 'assistant', tool_calls: [{ id: call.id, type: 'function', function: call.function }] });
    expect(replayed[2]).toEqual({ role: 'tool', tool_call_id: call.id, content: '{"sky":"clear","celsius":21}' });
  });

  it('parallel tool calls, streamed: each call opens with id, type, name and empty arguments, then its pieces, as the non-streamed answer has them', async () => {
    const whole = await client.chat.completions.create({ model: models.chat, messages: question, tools });
    const expected = whole.choices[0]!.message.tool_calls!.map((call) => call.type === 'function' && { id: call.id, ...call.function });
    expect(expected).toHaveLength(2);

    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create({ model: models.chat, messages: question, tools, stream: true, stream_options: { include_usage: true } })) {
      chunks.push(chunk);
    }
    const { calls, firsts } = assemble(chunks);
    expect(calls).toEqual(expected);
    for (const [index, first] of firsts.entries()) {
      expect(first).toEqual({ index, id: calls[index]!.id, type: 'function', function: { name: calls[index]!.name, arguments: '' } });
    }
    // Arguments arrive in several pieces, not in one.
    const pieces = chunks.filter((chunk) => chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments);
    expect(pieces.length).toBeGreaterThan(2);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(whole.usage!.completion_tokens);
  });

  it('a full tool loop, streamed, with the SDK putting the calls together (chat.completions.stream)', async () => {
    const first = await client.chat.completions.stream({ model: models.chat, messages: question, tools }).finalChatCompletion();
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(message.tool_calls).toHaveLength(2);
    const results: ChatCompletionMessageParam[] = message.tool_calls!.map((call) => ({ role: 'tool', tool_call_id: call.id, content: '"done"' }));
    const answer = await client.chat.completions
      .stream({ model: models.chat, tools, messages: [...question, { role: 'assistant', content: null, tool_calls: message.tool_calls }, ...results] })
      .finalChatCompletion();
    expect(answer.choices[0]!.finish_reason).toBe('stop');
    expect(answer.choices[0]!.message.content).not.toBe('');
  });

  it('tool_choice naming a function reaches the backend, and the model calls that one', async () => {
    const result = await client.chat.completions.create({
      model: models.chat,
      messages: question,
      tools,
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    const calls = result.choices[0]!.message.tool_calls!;
    expect(calls.map((call) => call.type === 'function' && call.function.name)).toEqual(['get_time']);
    expect(upstreamBodies().at(-1)!.tool_choice).toEqual({ type: 'function', function: { name: 'get_time' } });
  });

  it('a failure after a tool-call stream started is one SSE error event, then the stream closes', async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: models.broken, messages: question, tools, stream: true }),
    });
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\n\n').filter(Boolean);
    const last = events.at(-1)!;
    expect(JSON.parse(last.slice('data: '.length))).toMatchObject({ error: { code: 'stream_interrupted', type: 'server_error' } });
    expect(events.slice(0, -1).every((event) => !event.includes('"error"'))).toBe(true);
    expect(events.some((event) => event.includes('"tool_calls"'))).toBe(true);
    expect(events).not.toContain('data: [DONE]');
  });
});

describe('images through the openai SDK', () => {
  it('sends https and data URL image parts on as image_url parts', async () => {
    const pixel = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    const result = await client.chat.completions.create({
      model: models.chat,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: pixel } },
          ],
        },
      ],
    });
    expect(result.choices[0]!.message.content).toEqual(expect.any(String));
    expect((upstreamBodies().at(-1)!.messages as Record<string, unknown>[])[0]!.content).toEqual([
      { type: 'text', text: 'Compare these.' },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
      { type: 'image_url', image_url: { url: pixel } },
    ]);
  });

  it('keeps a user message of text parts only one string upstream', async () => {
    await client.chat.completions.create({ model: models.chat, messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] });
    expect((upstreamBodies().at(-1)!.messages as Record<string, unknown>[])[0]).toEqual({ role: 'user', content: 'ab' });
  });
});

describe('reasoning through the openai SDK', () => {
  type WithReasoning = { reasoning_content?: string };

  it('non-streamed: reasoning_content, reasoning and cached token counts, reasoning_effort sent on', async () => {
    const result = await client.chat.completions.create({ model: models.think, messages: question, reasoning_effort: 'low' });
    const message = result.choices[0]!.message as typeof result.choices[0]['message'] & WithReasoning;
    expect(message.reasoning_content).toEqual(expect.any(String));
    expect(message.reasoning_content!.length).toBeGreaterThan(0);
    expect(message.content).not.toBe('');
    expect(result.usage?.completion_tokens_details?.reasoning_tokens).toBe(reasoningTokens);
    expect(result.usage?.prompt_tokens_details?.cached_tokens).toBe(cachedTokens);
    expect(upstreamBodies().at(-1)!.reasoning_effort).toBe('low');
  });

  it('streamed: reasoning deltas before the text add up to the non-streamed reasoning', async () => {
    const whole = await client.chat.completions.create({ model: models.think, messages: question, reasoning_effort: 'high' });
    let reasoning = '';
    let text = '';
    let usage: ChatCompletionChunk['usage'];
    for await (const chunk of await client.chat.completions.create({
      model: models.think,
      messages: question,
      reasoning_effort: 'high',
      stream: true,
      stream_options: { include_usage: true },
    })) {
      const delta = chunk.choices[0]?.delta as (ChatCompletionChunk['choices'][0]['delta'] & WithReasoning) | undefined;
      if (delta?.reasoning_content) {
        expect(text).toBe('');
        reasoning += delta.reasoning_content;
      }
      text += delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(reasoning).toBe((whole.choices[0]!.message as WithReasoning).reasoning_content);
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(usage?.completion_tokens_details?.reasoning_tokens).toBe(reasoningTokens);
  });

  it("OpenRouter's reasoning object is read too: its effort goes out as the backend takes it, a budget it cannot take is a 400 naming it", async () => {
    const post = (reasoning: object): Promise<Response> =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: models.think, messages: question, reasoning }),
      });
    expect((await post({ effort: 'medium' })).status).toBe(200);
    expect(upstreamBodies().at(-1)!.reasoning_effort).toBe('medium');
    const refused = await post({ effort: 'medium', max_tokens: 64 });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { param: string } }).error.param).toBe('reasoning.max_tokens');
  });
});

describe('bad tool, image and reasoning fields: 400 naming the OpenAI field', () => {
  const badRequest = async (body: Record<string, unknown>): Promise<APIError> => {
    const error = await client.chat.completions.create({ model: models.chat, messages: question, ...body } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    return error as APIError;
  };

  it.each([
    [{ tool_choice: 'sometimes' }, 'tool_choice'],
    [{ tool_choice: { type: 'function', function: {} } }, 'tool_choice.function.name'],
    [{ tools: [{ type: 'function', function: { name: 'has space' } }] }, 'tools[0].function.name'],
    [{ tools: [{ type: 'retrieval' }] }, 'tools[0].type'],
    [{ parallel_tool_calls: 'yes' }, 'parallel_tool_calls'],
    [{ reasoning_effort: 'extreme' }, 'reasoning_effort'],
    [{ reasoning: { max_tokens: -1 } }, 'reasoning.max_tokens'],
    [{ functions: [{ name: 'f' }] }, 'functions'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] }, 'messages[0].content[0].image_url.url'],
    [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }, 'messages[0].content[0].type'],
    [{ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f' } }] }] }, 'messages[0].tool_calls[0].function.arguments'],
    [{ messages: [...question, { role: 'tool', content: 'x' }] }, 'messages[1].tool_call_id'],
    [{ messages: [{ role: 'system' }, ...question] }, 'messages[0].content'],
  ])('%j → param %s', async (body, param) => {
    const error = await badRequest(body);
    expect(error.param).toBe(param);
    expect(error.message).toContain(param);
  });

  it('names the field when core finds the fault: a tool result that answers no call', async () => {
    const error = await badRequest({ messages: [...question, { role: 'tool', tool_call_id: 'call_nobody', content: 'x' }] });
    expect(error.param).toBe('messages[1].tool_call_id');
  });
});

describe('a backend without a capability', () => {
  it.each([
    ['tools', { tools }],
    ['images', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] }],
    ['reasoning', { reasoning_effort: 'low' }],
  ])('400 naming the capability "%s", before any call to the backend', async (capability, body) => {
    const before = sim.requests.length;
    const error = await client.chat.completions.create({ model: models.plain, messages: question, ...body } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as APIError).code).toBe('unsupported_capability');
    expect((error as APIError).message).toContain(`capability "${capability}"`);
    expect(sim.requests.length).toBe(before);
  });
});

describe("the AI SDK's tool loop through @ai-sdk/openai-compatible", () => {
  const provider = () => createOpenAICompatible({ name: 'gateway', baseURL: `${server.url}/v1`, includeUsage: true });
  const weather = () =>
    tool({
      description: 'The weather in a city.',
      inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
      execute: async ({ city }) => ({ city, sky: 'clear' }),
    });

  it('generateText calls the tool, sends its result back and ends with text', async () => {
    const result = await generateText({ model: provider().chatModel(models.chat), prompt: 'Weather in Porto?', tools: { get_weather: weather() }, stopWhen: stepCountIs(3), maxRetries: 0 });
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]!.finishReason).toBe('tool-calls');
    expect(result.steps[0]!.toolResults[0]).toMatchObject({ toolName: 'get_weather', output: { sky: 'clear' } });
    expect(result.finishReason).toBe('stop');
    expect(result.text).not.toBe('');
  });

  it('streamText does the same over SSE, with reasoning parts from a reasoning model', async () => {
    const result = streamText({
      model: provider().chatModel(models.think),
      prompt: 'Weather in Porto?',
      tools: { get_weather: weather() },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    const seen = new Set<string>();
    let reasoning = '';
    for await (const part of result.fullStream) {
      if (part.type === 'error') throw part.error;
      seen.add(part.type);
      if (part.type === 'reasoning-delta') reasoning += part.text;
    }
    expect(seen).toContain('tool-call');
    expect(seen).toContain('tool-result');
    expect(seen).toContain('text-delta');
    expect(reasoning).not.toBe('');
    expect(await result.finishReason).toBe('stop');
    expect((await result.steps).length).toBe(2);
  });
});
