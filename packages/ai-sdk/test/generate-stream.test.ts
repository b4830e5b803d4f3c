import { simulatedReasoning, simulatedReply, simulatedToolCalls } from '@router/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { aiVersions, models, useRouter, type AI } from './support.ts';

const setup = useRouter();
const prompt = 'Tell me about the lighthouse keeper.';

/** The tool the narrator calls in the seed application, executed locally by `ai`. */
function recallTool(ai: AI, calls: unknown[]) {
  return ai.tool({
    description: 'Look up what the characters remember.',
    inputSchema: z.object({ query: z.string() }),
    execute: async (input) => {
      calls.push(input);
      return { memories: ['The lamp went dark in the storm of 1893.'] };
    },
  });
}

describe.each(aiVersions)('%s', (_name, ai) => {
  it('generateText: the text, usage and the router metadata of the backend that served', async () => {
    const { provider, chatRequests } = setup();
    const result = await ai.generateText({ model: provider(models.narrative), prompt, maxRetries: 0 });
    expect(result.text).toBe(simulatedReply({ model: models.narrative, messages: [{ role: 'user', content: prompt }] }));
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.inputTokens).toBe(Math.ceil(prompt.length / 4));
    expect(result.providerMetadata?.router).toMatchObject({ backend: 'narrative', adapter: 'featherless', attempts: 1, fallback: false, routedTo: 'narrative' });
    expect(result.response.modelId).toBe(models.narrative);
    expect(chatRequests('featherless')).toHaveLength(1);
  });

  it('streamText: the deltas join to the reply, in spec order, with one finish carrying usage', async () => {
    const { provider } = setup();
    const result = ai.streamText({ model: provider(models.classifier), prompt, includeRawChunks: true, maxRetries: 0 });
    const types: string[] = [];
    let text = '';
    for await (const part of result.fullStream) {
      types.push(part.type);
      if (part.type === 'text-delta') text += part.text;
    }
    const expected = simulatedReply({ model: models.classifier, messages: [{ role: 'user', content: prompt }] });
    expect(text).toBe(expected);
    expect(await result.text).toBe(expected);
    const firstDelta = types.indexOf('text-delta');
    expect(types.slice(0, firstDelta)).toEqual(['start', 'start-step', 'text-start']);
    expect(types.slice(types.lastIndexOf('text-delta') + 1)).toEqual(['text-end', 'finish-step', 'finish']);
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
    expect(await result.warnings).toContainEqual(expect.objectContaining({ type: 'unsupported', feature: 'includeRawChunks' }));
    expect((await result.providerMetadata)?.router).toMatchObject({ backend: 'openrouter', adapter: 'openrouter', attempts: 1 });
    expect((await result.providerMetadata)?.openrouter).toMatchObject({ generationId: expect.stringMatching(/^gen-/) });
  });

  it('generateText runs a multi-step tool loop: the call, the tool executed by ai, the answer', async () => {
    const { provider, chatRequests } = setup();
    const calls: unknown[] = [];
    const result = await ai.generateText({
      model: provider(models.narrative),
      prompt,
      tools: { recall: recallTool(ai, calls) },
      stopWhen: ai.stepCountIs(4),
      maxRetries: 0,
    });
    const [expectedCall] = simulatedToolCalls({
      model: models.narrative,
      messages: [{ role: 'user', content: prompt }],
      tools: [{ name: 'recall', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } }],
    });
    expect(calls).toEqual([JSON.parse(expectedCall!.arguments)]);
    expect(result.steps.map((step) => step.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(result.steps[0]!.toolCalls[0]).toMatchObject({ toolCallId: expectedCall!.id, toolName: 'recall' });
    // The second request replays the call and its result, as the OpenAI wire format has them.
    const second = chatRequests('featherless')[1]!.body as { messages: Record<string, unknown>[] };
    expect(second.messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: expectedCall!.id, function: { name: 'recall' } }] });
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: expectedCall!.id });
    expect(result.text).toBe(simulatedReply({ model: models.narrative, messages: second.messages as never }));
  });

  it('streamText runs a multi-step tool loop, the tool input arriving in pieces', async () => {
    const { provider } = setup();
    const calls: unknown[] = [];
    const result = ai.streamText({
      model: provider(models.classifier),
      prompt,
      tools: { recall: recallTool(ai, calls) },
      stopWhen: ai.stepCountIs(4),
      maxRetries: 0,
    });
    const types: string[] = [];
    let input = '';
    for await (const part of result.fullStream) {
      types.push(part.type);
      if (part.type === 'tool-input-delta') input += part.delta;
    }
    expect(calls).toHaveLength(1);
    expect(JSON.parse(input)).toEqual(calls[0]);
    expect(types.filter((type) => type.startsWith('tool-'))).toEqual([
      'tool-input-start',
      ...types.filter((type) => type === 'tool-input-delta'),
      'tool-input-end',
      'tool-call',
      'tool-result',
    ]);
    expect(types.filter((type) => type === 'tool-input-delta').length).toBeGreaterThan(1);
    expect((await result.steps).map((step) => step.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(await result.text).not.toBe('');
  });

  it('streams reasoning in its own block before the text', async () => {
    const { provider } = setup();
    const result = ai.streamText({ model: provider(models.thinker), prompt, maxRetries: 0 });
    const types: string[] = [];
    for await (const part of result.fullStream) if (!types.includes(part.type)) types.push(part.type);
    expect(types.indexOf('reasoning-start')).toBeLessThan(types.indexOf('reasoning-end'));
    expect(types.indexOf('reasoning-end')).toBeLessThan(types.indexOf('text-start'));
    const messages = [{ role: 'user' as const, content: prompt }];
    expect(await result.reasoningText).toBe(simulatedReasoning({ model: models.thinker, messages, profile: { reasoningTokens: 6 } }));
    expect((await result.usage).outputTokenDetails.reasoningTokens).toBe(6);
  });

  it('maps the call settings to the wire and warns about the ones it cannot send', async () => {
    const { provider, chatRequests } = setup();
    const result = await ai.generateText({
      model: provider(models.classifier),
      prompt,
      maxOutputTokens: 7,
      temperature: 0.3,
      topP: 0.9,
      topK: 5,
      stopSequences: ['END'],
      seed: 42,
      headers: { 'x-trace': 'abc' },
      providerOptions: { router: { user: 'user-1', providerOptions: { openrouter: { extraBody: { provider: { order: ['Cerebras'] } } } } } },
      maxRetries: 0,
    });
    const request = chatRequests('openrouter')[0]!;
    expect(request.body).toMatchObject({ max_tokens: 7, temperature: 0.3, top_p: 0.9, stop: ['END'], seed: 42, user: 'user-1', provider: { order: ['Cerebras'] } });
    expect(request.body).not.toHaveProperty('top_k');
    expect(request.headers['x-trace']).toBe('abc');
    expect(result.finishReason).toBe('length');
    expect(result.warnings).toContainEqual(expect.objectContaining({ type: 'unsupported', feature: 'topK' }));
  });

  it('maps toolChoice, and router options for tools and reasoning, to the wire', async () => {
    const { provider, chatRequests } = setup();
    const calls: unknown[] = [];
    const tools = { recall: recallTool(ai, calls), forget: recallTool(ai, calls) };
    const named = await ai.generateText({
      model: provider(models.classifier),
      prompt,
      tools,
      toolChoice: { type: 'tool', toolName: 'forget' },
      providerOptions: { router: { parallelToolCalls: false, reasoning: { effort: 'low' } } },
      maxRetries: 0,
    });
    expect(chatRequests('openrouter')[0]!.body).toMatchObject({
      tool_choice: { type: 'function', function: { name: 'forget' } },
      parallel_tool_calls: false,
      reasoning: { effort: 'low' },
    });
    expect(named.toolCalls.map((call) => call.toolName)).toEqual(['forget']);
    const none = await ai.generateText({ model: provider(models.classifier), prompt, tools, toolChoice: 'none', maxRetries: 0 });
    expect(chatRequests('openrouter')[1]!.body).toMatchObject({ tool_choice: 'none' });
    expect(none.toolCalls).toEqual([]);
    expect(none.text).not.toBe('');
  });

  it('sends images: an https URL as it is, bytes as a data URL', async () => {
    const { provider, chatRequests } = setup();
    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
    await ai.generateText({
      model: provider(models.classifier),
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', image: new URL('https://example.com/lighthouse.png') },
            { type: 'image', image: png, mediaType: 'image/png' },
          ],
        },
      ],
      maxRetries: 0,
    });
    const body = chatRequests('openrouter')[0]!.body as { messages: { content: { type: string; image_url?: { url: string } }[] }[] };
    const images = body.messages[0]!.content.filter((part) => part.type === 'image_url').map((part) => part.image_url!.url);
    expect(images).toEqual(['https://example.com/lighthouse.png', `data:image/png;base64,${Buffer.from(png).toString('base64')}`]);
  });

  it('refuses an unknown providerOptions.router key before any request', async () => {
    const { provider, chatRequests } = setup();
    const error = await ai
      .generateText({ model: provider(models.classifier), prompt, providerOptions: { router: { timeoutMS: 5 } }, maxRetries: 0 })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AI_InvalidArgumentError', argument: 'providerOptions.router.timeoutMS' });
    expect(chatRequests()).toHaveLength(0);
  });
});
