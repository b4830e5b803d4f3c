import { UnsupportedOperationError } from '@router/core';
import type { Message } from '@router/core';
import { simulatedToolCalls, startSimulator } from '@router/testing';
import type { Simulator } from '@router/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMlxBackend, defaultCapabilities } from '../src/index.ts';

const picture: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', image: new Uint8Array([1, 2, 3]), mediaType: 'image/png' }] }];
const model = 'mlx-community/Qwen2.5-VL-3B-Instruct-4bit';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator();
});
afterAll(() => simulator.close());
beforeEach(() => simulator.reset());

describe('capabilities per server', () => {
  it('mlx-omni-server: tools and enforced json_schema, no images; mlx_lm.server: tools only', () => {
    expect(createMlxBackend({ baseURL: simulator.baseURL('mlx') }).capabilities).toEqual(defaultCapabilities['mlx-omni-server']);
    expect(createMlxBackend({ server: 'mlx_lm.server', baseURL: simulator.baseURL('mlx-lm') }).capabilities).toEqual(defaultCapabilities['mlx_lm.server']);
    expect(defaultCapabilities['mlx-omni-server']).toMatchObject({ tools: true, structuredOutputs: true, images: false });
    expect(defaultCapabilities['mlx_lm.server']).toMatchObject({ tools: true, structuredOutputs: false, jsonMode: false, embeddings: false });
  });

  it('refuses an image before the network unless the settings declare images', async () => {
    const error = await createMlxBackend({ baseURL: simulator.baseURL('mlx') })
      .generate(picture, { model })
      .catch((e: unknown) => e);
    expect(UnsupportedOperationError.isInstance(error)).toBe(true);
    expect((error as UnsupportedOperationError).capability).toBe('images');
    expect(simulator.requests).toEqual([]);

    await createMlxBackend({ baseURL: simulator.baseURL('mlx'), capabilities: { images: true } }).generate(picture, { model });
    const sent = (simulator.requests[0]!.body as { messages: { content: unknown }[] }).messages[0]!.content;
    expect(sent).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AQID' } },
    ]);
  });

  it('modelCapabilities narrows tools per model, before the network', async () => {
    const client = createMlxBackend({ baseURL: simulator.baseURL('mlx'), modelCapabilities: (id) => (id.includes('Llama-3.2-1B') ? { tools: false } : undefined) });
    const error = await client.generate([{ role: 'user', content: 'hi' }], { model: 'mlx-community/Llama-3.2-1B-Instruct-4bit', tools: [{ name: 'recall' }] }).catch((e: unknown) => e);
    expect((error as UnsupportedOperationError).capability).toBe('tools');
    expect(simulator.requests).toEqual([]);
    await client.generate([{ role: 'user', content: 'hi' }], { model, tools: [{ name: 'recall' }] });
    expect(simulator.requests).toHaveLength(1);
  });
});

describe.each([
  ['mlx-omni-server', 'mlx'],
  ['mlx_lm.server', 'mlx-lm'],
] as const)('%s: a tool loop', (server, dialect) => {
  const tools = [{ name: 'recall', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } }];
  const question: Message[] = [{ role: 'user', content: 'What did I say about tea?' }];

  it('the streamed call comes back whole (mlx_lm.server sends it in one delta), and the tool result gets a text answer', async () => {
    const client = createMlxBackend({ server, baseURL: simulator.baseURL(dialect) });
    const first = await client.stream(question, { model, tools }).collect();
    expect(first.finishReason).toBe('tool-calls');
    expect(first.toolCalls).toEqual(simulatedToolCalls({ model, messages: question, tools }).map((call) => ({ ...call, input: JSON.parse(call.arguments) as unknown })));
    const [call] = first.toolCalls!;
    const final = await client.generate(
      [...question, { role: 'assistant', content: '', toolCalls: [{ id: call!.id, name: call!.name, arguments: call!.arguments }] }, { role: 'tool', toolCallId: call!.id, content: 'Green tea.' }],
      { model, tools },
    );
    expect(final.finishReason).toBe('stop');
    expect(final.text.length).toBeGreaterThan(0);
  });
});
