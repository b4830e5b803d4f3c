/**
 * Tools, images and reasoning as they reach OpenRouter, asserted on the body
 * the simulator received (the options object proves nothing; the wire does).
 */
import type { Message, ToolDefinition } from '@router/core';
import { describe, expect, it } from 'vitest';
import { bodyOf, useSimulator, user } from './support.ts';

const sim = useSimulator();

const weather: ToolDefinition = {
  name: 'weather',
  description: 'The weather in a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: true,
};
const recall: ToolDefinition = { name: 'recall' };

describe('tools on the wire', () => {
  it.each(['generate', 'stream'] as const)('%s sends tools in OpenAI shape (strict kept), tool_choice and parallel_tool_calls', async (operation) => {
    const backend = sim.backend();
    const options = { model: 'm/a', tools: [weather, recall], toolChoice: { name: 'weather' }, parallelToolCalls: false } as const;
    if (operation === 'generate') await backend.generate(user, options);
    else await backend.stream(user, options).collect();

    expect(bodyOf(sim.requests()[0])).toMatchObject({
      tools: [
        { type: 'function', function: { name: 'weather', description: 'The weather in a city.', parameters: weather.parameters, strict: true } },
        // A tool without parameters takes an object with none (OpenAI-style servers require `parameters`).
        { type: 'function', function: { name: 'recall', parameters: { type: 'object', properties: {} } } },
      ],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      parallel_tool_calls: false,
    });
  });

  it.each(['auto', 'none', 'required'] as const)('sends tool choice %s as the string', async (toolChoice) => {
    await sim.backend().generate(user, { model: 'm/a', tools: [recall], toolChoice });
    expect(bodyOf(sim.requests()[0]).tool_choice).toBe(toolChoice);
  });

  it('sends no tool fields on a call without tools', async () => {
    await sim.backend().generate(user, { model: 'm/a' });
    await sim.backend().stream(user, { model: 'm/a' }).collect();
    for (const request of sim.requests()) {
      const body = bodyOf(request);
      expect(body).not.toHaveProperty('tools');
      expect(body).not.toHaveProperty('tool_choice');
      expect(body).not.toHaveProperty('parallel_tool_calls');
    }
  });
});

describe('a tool round replayed', () => {
  it('sends the assistant turn with its tool calls and each result as a tool message', async () => {
    const messages: Message[] = [
      { role: 'system', content: 'You narrate.' },
      { role: 'user', content: 'What happened at the mill?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'call_1', name: 'recall', arguments: '{"query":"mill"}' },
          { id: 'call_2', name: 'weather', arguments: '{"city":"Zürich"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_1', content: 'The mill burned down.' },
      { role: 'tool', toolCallId: 'call_2', content: 'Rain.' },
      { role: 'assistant', content: 'Let me look again.', toolCalls: [{ id: 'call_3', name: 'recall', arguments: '' }] },
      { role: 'tool', toolCallId: 'call_3', content: 'Nothing more.' },
    ];
    await sim.backend().stream(messages, { model: 'm/a', tools: [recall, weather] }).collect();

    const sent = bodyOf(sim.requests()[0]).messages as Record<string, unknown>[];
    expect(sent.slice(2)).toMatchObject([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'recall' } },
          { id: 'call_2', type: 'function', function: { name: 'weather' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'The mill burned down.' },
      { role: 'tool', tool_call_id: 'call_2', content: 'Rain.' },
      { role: 'assistant', content: 'Let me look again.', tool_calls: [{ id: 'call_3', function: { name: 'recall', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_3', content: 'Nothing more.' },
    ]);
    const replayed = (sent[2]!.tool_calls as { function: { arguments: string } }[]).map((call) => JSON.parse(call.function.arguments));
    expect(replayed).toEqual([{ query: 'mill' }, { city: 'Zürich' }]);
  });
});

describe('images on the wire', () => {
  it('sends an https URL, a data URL and bytes as image_url parts beside the text', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const dataURL = 'data:image/webp;base64,UklGRg==';
    await sim.backend().generate(
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', image: 'https://example.com/tavern.jpg' },
            { type: 'image', image: new URL(dataURL) },
            { type: 'image', image: png, mediaType: 'image/png' },
          ],
        },
      ],
      { model: 'm/a' },
    );
    const [message] = bodyOf(sim.requests()[0]).messages as { role: string; content: unknown }[];
    expect(message).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image_url', image_url: { url: 'https://example.com/tavern.jpg' } },
        { type: 'image_url', image_url: { url: dataURL } },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from(png).toString('base64')}` } },
      ],
    });
  });
});

describe('reasoning on the wire', () => {
  it.each(['generate', 'stream'] as const)("%s sends options.reasoning as OpenRouter's reasoning field", async (operation) => {
    const backend = sim.backend();
    const options = { model: 'm/a', reasoning: { effort: 'high', maxTokens: 2000, exclude: true } } as const;
    if (operation === 'generate') await backend.generate(user, options);
    else await backend.stream(user, options).collect();
    expect(bodyOf(sim.requests()[0]).reasoning).toEqual({ effort: 'high', max_tokens: 2000, exclude: true });
  });

  it("lets a call's extraBody.reasoning replace it (OpenRouter fields core does not name, such as enabled)", async () => {
    await sim.backend().generate(user, { model: 'm/a', reasoning: { effort: 'low' }, extraBody: { reasoning: { enabled: true } } });
    expect(bodyOf(sim.requests()[0]).reasoning).toEqual({ enabled: true });
  });
});
