import { ConfigurationError, UnsupportedOperationError } from '@router/core';
import type { Message } from '@router/core';
import { startSimulator } from '@router/testing';
import type { Simulator } from '@router/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFeatherlessBackend, defaultCapabilities } from '../src/index.ts';
import type { FeatherlessSettings } from '../src/index.ts';

const messages: Message[] = [{ role: 'user', content: 'What did I say about tea?' }];
const tools = [{ name: 'recall', parameters: { type: 'object', properties: { query: { type: 'string' } } } }];
const toolModel = 'Qwen/Qwen3-32B';
const otherModel = 'Qwen/Qwen2.5-7B-Instruct';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator();
});
afterAll(() => simulator.close());
beforeEach(() => simulator.reset());

function featherless(settings: FeatherlessSettings = {}) {
  return createFeatherlessBackend({ baseURL: simulator.baseURL('featherless'), apiKey: 'fl-test', ...settings });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

function expectToolsRefused(error: unknown): void {
  expect(UnsupportedOperationError.isInstance(error)).toBe(true);
  expect((error as UnsupportedOperationError).capability).toBe('tools');
}

describe('tools depend on the model', () => {
  it('declares no tools by default and refuses a call with tools before the network', async () => {
    const client = featherless();
    expect(client.capabilities).toEqual(defaultCapabilities);
    expect(client.capabilities.tools).toBe(false);
    expectToolsRefused(await rejectionOf(client.generate(messages, { model: toolModel, tools })));
    expect(simulator.requests).toEqual([]);
  });

  it.each([
    ['a list of ids', [toolModel]],
    ['a predicate', (model: string) => model.startsWith('Qwen/Qwen3-')],
  ] as const)('with toolModels as %s, sends tools for those models and refuses them for others before the network', async (_, toolModels) => {
    const client = featherless({ toolModels });
    expect(client.capabilities.tools).toBe(true);
    await client.generate(messages, { model: toolModel, tools });
    expect(simulator.requests).toHaveLength(1);
    expect((simulator.requests[0]!.body as Record<string, unknown>).tools).toEqual([{ type: 'function', function: tools[0] }]);

    expectToolsRefused(await rejectionOf(client.generate(messages, { model: otherModel, tools })));
    const streamError = await rejectionOf(client.stream(messages, { model: otherModel, tools }).collect());
    expectToolsRefused(streamError);
    expect((streamError as Error).message).toContain(otherModel);
    // Without tools the other model is served as before.
    await client.generate(messages, { model: otherModel });
    expect(simulator.requests.map((request) => request.model)).toEqual([toolModel, otherModel]);
  });

  it('capabilities override the defaults, e.g. images for a vision model', async () => {
    const client = featherless({ capabilities: { images: true } });
    expect(client.capabilities.images).toBe(true);
    await client.generate([{ role: 'user', content: [{ type: 'image', image: 'https://example.test/a.png' }] }], { model: otherModel });
    expect(simulator.requests).toHaveLength(1);
  });

  it('reports a toolModels setting of the wrong kind at construction', () => {
    const error = (() => {
      try {
        featherless({ toolModels: 'Qwen/Qwen3-32B' as never });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).problems).toEqual(['featherless: toolModels must be a list of model ids or a function of the model id.']);
  });
});
