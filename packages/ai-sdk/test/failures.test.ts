import { APICallError } from '@ai-sdk/provider';
import { StreamInterruptedError } from '@router/core';
import { createRouter } from '@router/core';
import { describe, expect, it } from 'vitest';
import { createRouterProvider } from '../src/index.ts';
import { aiVersions, models, useRouter } from './support.ts';

const setup = useRouter();
const prompt = 'Tell me about the lighthouse keeper.';

describe.each(aiVersions)('%s', (_name, ai) => {
  it('a fallback before the first part: streamText sees one clean stream, and the metadata says who served', async () => {
    const { sim, provider, chatRequests } = setup();
    sim.addFault({ fault: { kind: 'status', status: 503, retryAfter: '0' }, dialect: 'featherless' });
    const result = ai.streamText({ model: provider(models.narrative), prompt, maxRetries: 0 });
    const types: string[] = [];
    for await (const part of result.fullStream) types.push(part.type);
    expect(types).not.toContain('error');
    expect(types.filter((type) => type === 'start-step' || type === 'finish')).toEqual(['start-step', 'finish']);
    expect(await result.text).not.toBe('');
    // The rule's own policy (a fallback, no retry) replaces the backend's: one attempt each.
    expect((await result.providerMetadata)?.router).toMatchObject({ backend: 'openrouter', routedTo: 'narrative', fallback: true, attempts: 2 });
    expect(chatRequests().map((request) => request.dialect)).toEqual(['featherless', 'openrouter']);
  });

  it('an error after the first part is an error part, with the text delivered before it kept', async () => {
    const { sim, provider } = setup();
    sim.addFault({ fault: { kind: 'close-mid-stream', afterChunks: 3 }, dialect: 'openrouter' });
    const errors: unknown[] = [];
    const result = ai.streamText({ model: provider(models.classifier), prompt, maxRetries: 0, onError: ({ error }) => void errors.push(error) });
    const parts: { type: string; error?: unknown }[] = [];
    let text = '';
    for await (const part of result.fullStream) {
      parts.push(part);
      if (part.type === 'text-delta') text += part.text;
    }
    const errorPart = parts.find((part) => part.type === 'error');
    expect(APICallError.isInstance(errorPart?.error)).toBe(true);
    const cause = (errorPart!.error as APICallError).cause;
    expect(StreamInterruptedError.isInstance(cause)).toBe(true);
    expect((cause as StreamInterruptedError).partialText).toBe(text);
    expect(text).not.toBe('');
    expect(errors).toEqual([errorPart!.error]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'error' });
  });

  it('an abort in the middle of a stream ends it, frees the limiter units, and keeps what arrived', async () => {
    const { sim, provider, limiter } = setup();
    sim.addFault({ fault: { kind: 'stall', phase: 'between-chunks', afterChunks: 2, ms: 60_000 }, dialect: 'featherless' });
    const controller = new AbortController();
    let aborted = false;
    const result = ai.streamText({ model: provider(models.narrative), prompt, abortSignal: controller.signal, maxRetries: 0, onAbort: () => void (aborted = true) });
    let text = '';
    const types: string[] = [];
    await expect(
      (async () => {
        for await (const part of result.fullStream) {
          types.push(part.type);
          if (part.type !== 'text-delta') continue;
          text += part.text;
          if (text.split(' ').length > 2) controller.abort();
        }
      })(),
    ).resolves.toBeUndefined();
    expect(aborted).toBe(true);
    expect(types).toContain('abort');
    expect(text.split(' ').length).toBeGreaterThan(2);
    // Featherless keeps an aborted call's units for its abortGraceMs (the server counts it until it notices the close), then frees them.
    await expect.poll(() => [limiter.active, limiter.queued], { timeout: 10_000 }).toEqual([0, 0]);
  });

  it('errors map to the AI SDK classes: the status, isRetryable and the router error as the cause', async () => {
    const { sim, provider } = setup();
    sim.addFault({ fault: { kind: 'status', status: 400 }, dialect: 'openrouter' });
    const error = await ai.generateText({ model: provider(models.classifier), prompt, maxRetries: 0 }).catch((caught: unknown) => caught);
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false, data: { code: 'backend', backend: 'openrouter' } });

    const bad = await ai.generateText({ model: provider(models.classifier), prompt, temperature: 7, maxRetries: 0 }).catch((caught: unknown) => caught);
    expect(bad).toMatchObject({ name: 'AI_InvalidArgumentError', argument: 'options.temperature' });

    const nowhere = createRouterProvider(createRouter({ backends: setup().router.backends, timingLog: false }));
    const unrouted = await ai.generateText({ model: nowhere('no/such-model'), prompt, maxRetries: 0 }).catch((caught: unknown) => caught);
    expect(unrouted).toMatchObject({ name: 'AI_NoSuchModelError', modelId: 'no/such-model' });
  });

  it('retries multiply unless ai is told maxRetries: 0, since the router retries already', async () => {
    const { sim, provider, chatRequests } = setup();
    sim.addFault({ fault: { kind: 'status', status: 503, retryAfter: '0' }, dialect: 'openrouter' });
    const withDefaults = await ai.generateText({ model: provider(models.classifier), prompt }).catch((caught: unknown) => caught);
    // The router's 2 attempts, for each of ai's 3 (its default maxRetries is 2).
    expect(chatRequests('openrouter')).toHaveLength(6);
    expect(withDefaults).toMatchObject({ name: 'AI_RetryError', reason: 'maxRetriesExceeded' });

    sim.reset();
    const once = await ai.generateText({ model: provider(models.classifier), prompt, maxRetries: 0 }).catch((caught: unknown) => caught);
    expect(chatRequests('openrouter')).toHaveLength(2);
    expect(APICallError.isInstance(once) && once.isRetryable).toBe(true);
  });
});
