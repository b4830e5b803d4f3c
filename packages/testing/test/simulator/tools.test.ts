import { describe, expect, it } from 'vitest';
import { argumentFragments } from '../../src/simulator/tool-calls.ts';
import { simulatedReasoning, simulatedToolCalls } from '../../src/simulator/turn.ts';
import { simulatedReply } from '../../src/simulator/text.ts';
import { DIALECTS, type Dialect } from '../../src/simulator/types.ts';
import { post, readSse, readText, simulator, type SseResult } from './helpers.ts';

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 }, metric: { type: 'boolean' }, wind: { type: 'number' } },
      required: ['city', 'days'],
    },
  },
} as const;
const clock = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } } } as const;
const coreTools = [
  { name: weather.function.name, parameters: weather.function.parameters },
  { name: clock.function.name, parameters: clock.function.parameters },
];
const ask = [{ role: 'user', content: 'Weather and time in Zürich?' }];

/** Rebuilds streamed tool calls by index, as a client does. */
function assemble(sse: SseResult): { id: string; name: string; arguments: string }[] {
  const calls: { id: string; name: string; arguments: string }[] = [];
  for (const chunk of sse.chunks) {
    for (const delta of chunk.choices?.[0]?.delta?.tool_calls ?? []) {
      const call = (calls[delta.index] ??= { id: '', name: '', arguments: '' });
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name = delta.function.name;
      call.arguments += delta.function?.arguments ?? '';
    }
  }
  return calls;
}

function toolDeltas(sse: SseResult): any[] {
  return sse.chunks.flatMap((chunk) => chunk.choices?.[0]?.delta?.tool_calls ?? []);
}

describe('tool calls', () => {
  it('non-streamed: calls the first two tools with arguments that satisfy their schemas, content null, finish_reason tool_calls', async () => {
    const sim = await simulator();
    const response = await post(sim, 'openai', '/chat/completions', { model: 'm', messages: ask, tools: [weather, clock] });
    expect(response.status).toBe(200);
    const json = (await response.json()) as any;
    const choice = json.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const expected = simulatedToolCalls({ model: 'm', messages: ask, tools: coreTools });
    expect(expected.map((call) => call.name)).toEqual(['get_weather', 'get_time']);
    expect(choice.message.tool_calls).toEqual(expected.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })));
    const args = JSON.parse(expected[0]?.arguments ?? '') as Record<string, unknown>;
    expect(typeof args.city).toBe('string');
    expect(Number.isInteger(args.days) && (args.days as number) >= 1 && (args.days as number) <= 7).toBe(true);
    expect(typeof args.metric).toBe('boolean');
    expect(typeof args.wind).toBe('number');
    expect(expected[0]?.id).toMatch(/^call_[a-z0-9]{24}$/);
    expect(expected[0]?.id).not.toBe(expected[1]?.id);
  });

  it('calls one tool with parallel_tool_calls false, the named one with tool_choice, none with tool_choice none', async () => {
    const sim = await simulator();
    const call = async (extra: Record<string, unknown>): Promise<any> =>
      ((await (await post(sim, 'openai', '/chat/completions', { model: 'm', messages: ask, tools: [weather, clock], ...extra })).json()) as any).choices[0];
    expect((await call({ parallel_tool_calls: false })).message.tool_calls.map((c: any) => c.function.name)).toEqual(['get_weather']);
    expect((await call({ tool_choice: { type: 'function', function: { name: 'get_time' } } })).message.tool_calls.map((c: any) => c.function.name)).toEqual(['get_time']);
    const none = await call({ tool_choice: 'none' });
    expect(none.message.tool_calls).toBeUndefined();
    expect(none.message.content).toBe(simulatedReply({ model: 'm', messages: ask }));
    expect(none.finish_reason).toBe('stop');
  });

  it('answers with text after the tool results, and accepts the replayed assistant turn', async () => {
    const sim = await simulator();
    const [made] = simulatedToolCalls({ model: 'm', messages: ask, tools: [coreTools[0]!] });
    const loop = [
      ...ask,
      { role: 'assistant', content: null, tool_calls: [{ id: made?.id, type: 'function', function: { name: made?.name, arguments: made?.arguments } }] },
      { role: 'tool', tool_call_id: made?.id, content: '{"temp": 21}' },
    ];
    const json = (await (await post(sim, 'openai', '/chat/completions', { model: 'm', messages: loop, tools: [weather] })).json()) as any;
    expect(json.choices[0].finish_reason).toBe('stop');
    expect(json.choices[0].message.content).toBe(simulatedReply({ model: 'm', messages: loop }));
    expect(simulatedToolCalls({ model: 'm', messages: loop, tools: [coreTools[0]!] })).toEqual([]);
    // tool_choice 'required' forces another call even after results.
    expect(simulatedToolCalls({ model: 'm', messages: loop, tools: [coreTools[0]!], toolChoice: 'required' })).toHaveLength(1);
  });

  it('streams a call: first delta with index, id, type, name and empty arguments; then fragments only; finish tool_calls', async () => {
    const sim = await simulator();
    const sse = await readSse(await post(sim, 'openai', '/chat/completions', { model: 'm', messages: ask, tools: [weather], stream: true }));
    const deltas = toolDeltas(sse);
    const [expected] = simulatedToolCalls({ model: 'm', messages: ask, tools: [coreTools[0]!] });
    expect(deltas[0]).toEqual({ index: 0, id: expected?.id, type: 'function', function: { name: 'get_weather', arguments: '' } });
    for (const delta of deltas.slice(1)) expect(Object.keys(delta).sort()).toEqual(['function', 'index']);
    expect(deltas.length).toBeGreaterThan(5);
    expect(assemble(sse)).toEqual([expected]);
    expect(sse.content).toBe('');
    expect(sse.chunks.at(-1)?.choices[0].finish_reason).toBe('tool_calls');
    expect(sse.done).toBe(true);
  });

  it('interleaves parallel calls by index', async () => {
    const sim = await simulator();
    const sse = await readSse(await post(sim, 'openrouter', '/chat/completions', { model: 'm', messages: ask, tools: [weather, clock], stream: true }));
    const indexes = toolDeltas(sse).map((delta) => delta.index);
    expect(indexes.slice(0, 5)).toEqual([0, 0, 1, 0, 1]);
    expect(assemble(sse)).toEqual(simulatedToolCalls({ model: 'm', messages: ask, tools: coreTools }));
  });

  it('cuts argument fragments inside strings, after backslashes and next to multi-byte characters', () => {
    const text = '{"city":"caf\u00e9 \\"\u00fcber\\" \\ud83d\\ude80","days":3}';
    const fragments = argumentFragments(text);
    expect(fragments.join('')).toBe(text);
    expect(fragments.some((piece) => piece.endsWith('\\'))).toBe(true);
    expect(fragments.some((piece) => piece.endsWith('\u00e9'))).toBe(true);
    expect(fragments.some((piece) => /^[^"]*"[^"]*$/.test(piece) && piece.length > 1), 'a fragment ends inside a string').toBe(true);
  });

  it('profile quirks: a whole call in one delta, the id on every delta, finish_reason stop', async () => {
    const sim = await simulator({
      models: { whole: { toolCallStyle: 'whole' }, ids: { toolCallStyle: 'id-every-delta', toolCallsFinishReason: 'stop' } },
    });
    const whole = await readSse(await post(sim, 'openai', '/chat/completions', { model: 'whole', messages: ask, tools: [weather], stream: true }));
    const [wholeCall] = simulatedToolCalls({ model: 'whole', messages: ask, tools: [coreTools[0]!] });
    expect(toolDeltas(whole)).toEqual([{ index: 0, id: wholeCall?.id, type: 'function', function: { name: 'get_weather', arguments: wholeCall?.arguments } }]);
    const ids = await readSse(await post(sim, 'openai', '/chat/completions', { model: 'ids', messages: ask, tools: [weather], stream: true }));
    const [idCall] = simulatedToolCalls({ model: 'ids', messages: ask, tools: [coreTools[0]!] });
    expect(toolDeltas(ids).every((delta) => delta.id === idCall?.id)).toBe(true);
    expect(ids.chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
    expect(assemble(ids)).toEqual([idCall]);
  });

  it('mlx-lm sends whole calls by default; every dialect assembles to the same calls', async () => {
    const sim = await simulator();
    for (const dialect of DIALECTS) {
      const sse = await readSse(await post(sim, dialect, '/chat/completions', { model: 'm', messages: ask, tools: [weather, clock], stream: true }));
      expect(assemble(sse), dialect).toEqual(simulatedToolCalls({ model: 'm', messages: ask, tools: coreTools }));
      if (dialect === 'mlx-lm') expect(toolDeltas(sse)).toHaveLength(2);
    }
  });

  it('close-mid-stream inside the arguments cuts the stream after the arguments begun', async () => {
    const sim = await simulator({ faults: [{ fault: { kind: 'close-mid-stream', afterChunks: 3 } }] });
    const response = await post(sim, 'openai', '/chat/completions', { model: 'm', messages: ask, tools: [weather], stream: true });
    const { text, error } = await readText(response);
    expect(error).toBeDefined();
    const deltas = text.split('\n').filter((line) => line.startsWith('data: {')).flatMap((line) => JSON.parse(line.slice(6)).choices[0].delta.tool_calls ?? []);
    expect(deltas).toHaveLength(3);
    const [call] = simulatedToolCalls({ model: 'm', messages: ask, tools: [coreTools[0]!] });
    const partial = deltas.map((delta: any) => delta.function.arguments).join('');
    expect(partial.length).toBeGreaterThan(0);
    expect(call?.arguments.startsWith(partial) && partial !== call?.arguments).toBe(true);
  });

  it('error-event inside the arguments sends the error chunk after them', async () => {
    const sim = await simulator({ faults: [{ fault: { kind: 'error-event', afterChunks: 2 } }] });
    const sse = await readSse(await post(sim, 'openrouter', '/chat/completions', { model: 'm', messages: ask, tools: [weather], stream: true }));
    expect(toolDeltas(sse)).toHaveLength(2);
    expect(sse.chunks.at(-1)?.error).toMatchObject({ code: 502 });
  });
});

describe('tool request validation', () => {
  const cases: { label: string; body: Record<string, unknown>; field: string }[] = [
    { label: 'a tool result for an unknown call id', body: { messages: [...ask, { role: 'tool', tool_call_id: 'call_x', content: 'r' }] }, field: 'messages[1].tool_call_id' },
    { label: 'a tool message without an id', body: { messages: [...ask, { role: 'tool', content: 'r' }] }, field: 'messages[1].tool_call_id' },
    {
      label: 'a tool call with non-string arguments',
      body: { messages: [...ask, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }] }] },
      field: 'messages[1].tool_calls[0].function.arguments',
    },
    { label: 'empty tools', body: { messages: ask, tools: [] }, field: 'tools' },
    { label: 'a tool without a valid name', body: { messages: ask, tools: [{ type: 'function', function: { name: 'bad name' } }] }, field: 'tools[0].function.name' },
    { label: 'tool_choice without tools', body: { messages: ask, tool_choice: 'auto' }, field: 'tool_choice' },
    { label: 'tool_choice naming no offered tool', body: { messages: ask, tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } }, field: 'tool_choice.function.name' },
    { label: 'parallel_tool_calls not boolean', body: { messages: ask, tools: [weather], parallel_tool_calls: 'yes' }, field: 'parallel_tool_calls' },
    { label: 'an http image URL', body: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://example.test/a.png' } }] }] }, field: 'messages[0].content[0].image_url.url' },
    { label: 'a data URL that is not a base64 image', body: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:text/plain;base64,aGk=' } }] }] }, field: 'messages[0].content[0].image_url.url' },
    { label: 'an image in a system message', body: { messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://example.test/a.png' } }] }] }, field: 'messages[0].content[0].type' },
    { label: 'an unknown part type', body: { messages: [{ role: 'user', content: [{ type: 'audio' }] }] }, field: 'messages[0].content[0].type' },
    { label: 'a bad reasoning_effort', body: { messages: ask, reasoning_effort: 'max' }, field: 'reasoning_effort' },
    { label: 'a bad reasoning object', body: { messages: ask, reasoning: { exclude: 'yes' } }, field: 'reasoning.exclude' },
    { label: 'max_completion_tokens 0', body: { messages: ask, max_completion_tokens: 0 }, field: 'max_completion_tokens' },
  ];
  for (const { label, body, field } of cases) {
    it(`answers 400 naming ${field} for ${label}`, async () => {
      const sim = await simulator();
      const response = await post(sim, 'openai', '/chat/completions', { model: 'm', ...body });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.param).toBe(field);
    });
  }

  it('accepts https and base64 data image URLs, text parts, and the new fields; 422 in the mlx dialect for a bad one', async () => {
    const sim = await simulator();
    const image = [
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: 'https://example.test/cat.png', detail: 'low' } },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ];
    const body = { model: 'm', messages: [{ role: 'user', content: image }], reasoning_effort: 'low', reasoning: { effort: 'high', max_tokens: 100, exclude: false }, max_completion_tokens: 50 };
    const ok = await post(sim, 'openai', '/chat/completions', body);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).choices[0].message.content).toBe(simulatedReply({ model: 'm', messages: [{ role: 'user', content: image }] }));
    const bad = await post(sim, 'mlx', '/chat/completions', { model: 'm', messages: ask, tools: [] });
    expect(bad.status).toBe(422);
    await bad.text();
  });
});

describe('reasoning', () => {
  const expectations: Record<Dialect, { field: string; details: boolean }> = {
    openai: { field: 'reasoning_content', details: false },
    featherless: { field: 'reasoning_content', details: false },
    mlx: { field: 'reasoning_content', details: false },
    'mlx-lm': { field: 'reasoning', details: false },
    openrouter: { field: 'reasoning', details: true },
    ollama: { field: 'reasoning_content', details: false },
    vllm: { field: 'reasoning_content', details: false },
    'vllm-legacy': { field: 'reasoning_content', details: false },
    lmstudio: { field: 'reasoning_content', details: false },
  };
  for (const dialect of DIALECTS) {
    const { field, details } = expectations[dialect];
    it(`${dialect}: streams reasoning in ${field} before the text, and counts reasoning and cached tokens`, async () => {
      const sim = await simulator({ defaultProfile: { reasoningTokens: 5, cachedPromptTokens: 2 } });
      const sse = await readSse(
        await post(sim, dialect, '/chat/completions', { model: 'm', messages: ask, stream: true, stream_options: { include_usage: true } }),
      );
      const reasoning = sse.chunks.map((chunk) => chunk.choices?.[0]?.delta?.[field] ?? '').join('');
      expect(reasoning).toBe(simulatedReasoning({ model: 'm', messages: ask, profile: { reasoningTokens: 5 } }));
      expect(reasoning.split(' ')).toHaveLength(5);
      const firstText = sse.chunks.findIndex((chunk) => chunk.choices?.[0]?.delta?.content);
      const lastReasoning = sse.chunks.findLastIndex((chunk) => chunk.choices?.[0]?.delta?.[field]);
      expect(lastReasoning).toBeLessThan(firstText);
      expect(sse.content).toBe(simulatedReply({ model: 'm', messages: ask }));
      if (details) expect(sse.chunks.some((chunk) => chunk.choices?.[0]?.delta?.reasoning_details?.[0]?.type === 'reasoning.text')).toBe(true);
      const usage = sse.chunks.find((chunk) => chunk.usage)?.usage;
      expect(usage).toMatchObject({ completion_tokens: 24 + 5, completion_tokens_details: { reasoning_tokens: 5 }, prompt_tokens_details: { cached_tokens: 2 } });
    });
  }

  it('non-streamed: the message carries the reasoning; OpenRouter reasoning.exclude hides it but still counts it', async () => {
    const sim = await simulator({ defaultProfile: { reasoningTokens: 4 } });
    const json = (await (await post(sim, 'openrouter', '/chat/completions', { model: 'm', messages: ask })).json()) as any;
    const text = simulatedReasoning({ model: 'm', messages: ask, profile: { reasoningTokens: 4 } });
    expect(json.choices[0].message).toMatchObject({ reasoning: text, reasoning_details: [{ type: 'reasoning.text', text }] });
    const excluded = (await (await post(sim, 'openrouter', '/chat/completions', { model: 'm', messages: ask, reasoning: { exclude: true } })).json()) as any;
    expect(excluded.choices[0].message.reasoning).toBeUndefined();
    expect(excluded.usage.completion_tokens_details).toEqual({ reasoning_tokens: 4 });
  });

  it('leaves the plain text path as it was: no reasoning fields, no usage details', async () => {
    const sim = await simulator();
    const json = (await (await post(sim, 'openai', '/chat/completions', { model: 'm', messages: ask })).json()) as any;
    expect(Object.keys(json.choices[0].message).sort()).toEqual(['content', 'role']);
    expect(Object.keys(json.usage).sort()).toEqual(['completion_tokens', 'prompt_tokens', 'total_tokens']);
  });
});
