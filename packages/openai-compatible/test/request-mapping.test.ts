import { ConfigurationError, InvalidRequestError, UnsupportedOperationError } from '@router/core';
import type { Message } from '@router/core';
import { startSimulator } from '@router/testing';
import type { Simulator } from '@router/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAICompatibleBackend } from '../src/index.ts';
import type { OpenAICompatibleSettings } from '../src/index.ts';

const model = 'sim/wire';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator();
});
afterAll(() => simulator.close());
beforeEach(() => simulator.reset());

function backend(extra: Partial<OpenAICompatibleSettings> = {}) {
  return createOpenAICompatibleBackend({ name: 'compat', baseURL: simulator.baseURL('openai'), apiKey: 'sk-wire-test', ...extra });
}

function lastBody(): Record<string, unknown> {
  const request = simulator.requests.at(-1);
  if (!request) throw new Error('no request was logged');
  return request.body as Record<string, unknown>;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('messages', () => {
  it('sends image parts as image_url parts: URLs as given, bytes as a base64 data URL, detail only when set', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0xff]);
    // A view into a larger buffer: only its own bytes may be encoded.
    const jpeg = new Uint8Array([0, 0xff, 0xd8, 0xff, 0]).subarray(1, 4);
    const messages: Message[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image', image: 'https://example.test/cat.png', detail: 'low' },
          { type: 'image', image: new URL('https://example.test/dog.jpg') },
          { type: 'image', image: 'data:image/gif;base64,R0lGOD==' },
          { type: 'image', image: png, mediaType: 'image/png', detail: 'high' },
          { type: 'image', image: jpeg, mediaType: 'image/jpeg' },
        ],
      },
    ];
    await backend().generate(messages, { model });
    expect(lastBody().messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image_url', image_url: { url: 'https://example.test/cat.png', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'https://example.test/dog.jpg' } },
          { type: 'image_url', image_url: { url: 'data:image/gif;base64,R0lGOD==' } },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from(png).toString('base64')}`, detail: 'high' } },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/' } },
        ],
      },
    ]);
  });

  it('replays an assistant turn’s tool calls (content null when it only called tools) and answers them with tool messages', async () => {
    const messages: Message[] = [
      { role: 'user', content: 'What did I say about tea?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'call_a', name: 'recall', arguments: '{"query":"tea"}' },
          { id: 'call_b', name: 'clock', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_a', content: 'You like green tea.' },
      { role: 'tool', toolCallId: 'call_b', content: '09:00' },
      { role: 'assistant', content: 'Let me check once more.', toolCalls: [{ id: 'call_c', name: 'recall', arguments: '{"query":"green"}' }] },
      { role: 'tool', toolCallId: 'call_c', content: 'Sencha.', name: 'recall' },
      { role: 'assistant', content: 'Green tea.' },
    ];
    await backend().generate(messages, { model });
    expect(lastBody().messages).toEqual([
      { role: 'user', content: 'What did I say about tea?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'recall', arguments: '{"query":"tea"}' } },
          { id: 'call_b', type: 'function', function: { name: 'clock', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: 'You like green tea.' },
      { role: 'tool', tool_call_id: 'call_b', content: '09:00' },
      { role: 'assistant', content: 'Let me check once more.', tool_calls: [{ id: 'call_c', type: 'function', function: { name: 'recall', arguments: '{"query":"green"}' } }] },
      { role: 'tool', tool_call_id: 'call_c', content: 'Sencha.', name: 'recall' },
      { role: 'assistant', content: 'Green tea.' },
    ]);
  });
});

describe('tools', () => {
  const parameters = { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] };

  it('sends tools, tool_choice and parallel_tool_calls in the OpenAI shape, with only the fields set', async () => {
    await backend().generate([{ role: 'user', content: 'hi' }], {
      model,
      tools: [{ name: 'recall', description: 'Search the memory.', parameters, strict: true }, { name: 'clock' }],
      toolChoice: 'required',
      parallelToolCalls: false,
    });
    const body = lastBody();
    expect(body.tools).toEqual([
      { type: 'function', function: { name: 'recall', description: 'Search the memory.', parameters, strict: true } },
      { type: 'function', function: { name: 'clock' } },
    ]);
    expect(body.tool_choice).toBe('required');
    expect(body.parallel_tool_calls).toBe(false);
  });

  it('names one tool as { type: function, function: { name } }', async () => {
    await backend().stream([{ role: 'user', content: 'hi' }], { model, tools: [{ name: 'recall', parameters }], toolChoice: { name: 'recall' } }).collect();
    expect(lastBody().tool_choice).toEqual({ type: 'function', function: { name: 'recall' } });
  });

  it('sends no tool fields when the call sets none', async () => {
    await backend().generate([{ role: 'user', content: 'hi' }], { model });
    const body = lastBody();
    for (const field of ['tools', 'tool_choice', 'parallel_tool_calls', 'reasoning', 'reasoning_effort', 'max_completion_tokens']) expect(body).not.toHaveProperty(field);
  });

  it('a backend declared without tools refuses a call with tools before the network', async () => {
    const error = await rejectionOf(backend({ capabilities: { tools: false } }).generate([{ role: 'user', content: 'hi' }], { model, tools: [{ name: 'recall' }] }));
    expect(UnsupportedOperationError.isInstance(error)).toBe(true);
    expect((error as UnsupportedOperationError).capability).toBe('tools');
    expect(simulator.requests).toEqual([]);
  });
});

describe('reasoning and max tokens', () => {
  const messages: Message[] = [{ role: 'user', content: 'Think.' }];

  it('sends the effort as reasoning_effort by default', async () => {
    await backend().generate(messages, { model, reasoning: { effort: 'high' } });
    expect(lastBody().reasoning_effort).toBe('high');
    expect(lastBody()).not.toHaveProperty('reasoning');
  });

  it('refuses a reasoning budget in the reasoning_effort style before the network, naming the field', async () => {
    const error = await rejectionOf(backend().generate(messages, { model, reasoning: { effort: 'low', maxTokens: 2000 } }));
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect((error as InvalidRequestError).field).toBe('options.reasoning.maxTokens');
    expect((error as Error).message).toContain('reasoningField');
    expect(simulator.requests).toEqual([]);
  });

  it('sends an OpenRouter-style reasoning object with reasoningField: "reasoning", with only the fields set', async () => {
    const client = backend({ reasoningField: 'reasoning' });
    await client.generate(messages, { model, reasoning: { effort: 'medium', maxTokens: 2000, exclude: true } });
    expect(lastBody().reasoning).toEqual({ effort: 'medium', max_tokens: 2000, exclude: true });
    await client.stream(messages, { model, reasoning: { maxTokens: 500 } }).collect();
    expect(lastBody().reasoning).toEqual({ max_tokens: 500 });
    expect(lastBody()).not.toHaveProperty('reasoning_effort');
  });

  it('sends maxTokens as max_completion_tokens when the server wants it (OpenAI reasoning models)', async () => {
    await backend({ maxTokensField: 'max_completion_tokens' }).generate(messages, { model, maxTokens: 64 });
    expect(lastBody().max_completion_tokens).toBe(64);
    expect(lastBody()).not.toHaveProperty('max_tokens');
  });

  it('reports unknown field settings at construction', () => {
    const error = (() => {
      try {
        backend({ maxTokensField: 'maxTokens' as never, reasoningField: 'thinking' as never, abortGraceMs: -1 });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).problems).toEqual([
      'compat: maxTokensField must be "max_tokens" or "max_completion_tokens" (got "maxTokens").',
      'compat: abortGraceMs must be a number of milliseconds from 0 to 60000 (got -1).',
      'compat: reasoningField must be "reasoning_effort" or "reasoning" (got "thinking").',
    ]);
  });

  it("declares abortGraceMs to core's limiter: none by default, the setting when given", () => {
    expect(backend().abortGraceMs).toBeUndefined();
    expect(backend({ abortGraceMs: 250 }).abortGraceMs).toBe(250);
  });
});
