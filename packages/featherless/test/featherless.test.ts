import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { BackendError, ConfigurationError, InvalidRequestError } from '@router/core';
import type { Message } from '@router/core';
import { startSimulator } from '@router/testing';
import type { LoggedRequest, Simulator } from '@router/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFeatherlessBackend, defaultAbortGraceMs, parameterBillions, unitsForModel } from '../src/index.ts';
import type { FeatherlessCallOptions } from '../src/index.ts';

const messages: Message[] = [{ role: 'user', content: 'Say hello to the café.' }];
const apiKey = 'fl-secret-0123456789abcdef';
const small = 'Qwen/Qwen2.5-7B-Instruct';
const large = 'meta-llama/Llama-3.3-70B-Instruct';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ apiKeys: { featherless: apiKey }, featherless: { planUnits: 4 } });
});
afterAll(() => simulator.close());
beforeEach(() => simulator.reset());
afterEach(() => vi.unstubAllEnvs());

function featherless(settings: Parameters<typeof createFeatherlessBackend>[0] = {}) {
  return createFeatherlessBackend({ baseURL: simulator.baseURL('featherless'), apiKey, ...settings });
}

function lastRequest(): LoggedRequest {
  const request = simulator.requests.at(-1);
  if (!request) throw new Error('no request was logged');
  return request;
}

/** How the simulator logs a bearer token: a hash prefix, never the token. */
function loggedBearer(token: string): string {
  return `Bearer sha256:${createHash('sha256').update(token).digest('hex').slice(0, 8)}`;
}

describe('API key', () => {
  it('a missing key is a ConfigurationError at the first call, before any request; construction is fine', async () => {
    vi.stubEnv('FEATHERLESS_API_KEY', '');
    const client = createFeatherlessBackend({ baseURL: simulator.baseURL('featherless') });
    for (const attempt of [client.generate(messages, { model: small }), client.stream(messages, { model: small }).collect(), client.embed('x', { model: small })]) {
      const error = await attempt.catch((e: unknown) => e);
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('FEATHERLESS_API_KEY');
    }
    expect(simulator.requests).toEqual([]);
  });

  it('reads FEATHERLESS_API_KEY at the first call', async () => {
    const client = createFeatherlessBackend({ baseURL: simulator.baseURL('featherless') });
    vi.stubEnv('FEATHERLESS_API_KEY', apiKey);
    await client.generate(messages, { model: small });
    expect(lastRequest().headers['authorization']).toBe(loggedBearer(apiKey));
  });

  it('a rejected key gives a 401 error that does not contain the key', async () => {
    const wrong = 'fl-wrong-key-zyxwvu987654';
    const error = await featherless({ apiKey: wrong }).generate(messages, { model: small }).catch((e: unknown) => e);
    expect(BackendError.isInstance(error)).toBe(true);
    expect((error as BackendError).status).toBe(401);
    expect((error as BackendError).message).not.toContain(wrong);
    expect(inspect(error, { depth: 8 })).not.toContain(wrong);
  });
});

describe('request', () => {
  it('sends the attribution headers from appName and appUrl', async () => {
    await featherless({ appName: 'Story Engine', appUrl: 'https://example.test/app' }).generate(messages, { model: small });
    expect(lastRequest().headers).toMatchObject({ 'x-title': 'Story Engine', 'http-referer': 'https://example.test/app' });
    await featherless().generate(messages, { model: small });
    expect(lastRequest().headers).not.toHaveProperty('x-title');
    expect(lastRequest().headers).not.toHaveProperty('http-referer');
  });

  it('sends the typed extra parameters at the top level, the call’s over the defaults', async () => {
    const client = featherless({ defaultExtraBody: { repetition_penalty: 1.05, top_k: 50, min_tokens: 2 } });
    const options: FeatherlessCallOptions = {
      model: small,
      extraBody: { top_k: 20, min_p: 0.05, seed: 7, stop_token_ids: [128009], include_stop_str_in_output: true },
    };
    await client.generate(messages, options);
    expect(lastRequest().body).toMatchObject({
      repetition_penalty: 1.05,
      top_k: 20,
      min_p: 0.05,
      seed: 7,
      stop_token_ids: [128009],
      include_stop_str_in_output: true,
      min_tokens: 2,
    });
  });
});

describe('plan concurrency', () => {
  it.each([
    ['Qwen/Qwen2.5-7B-Instruct', 1],
    ['meta-llama/Meta-Llama-3.1-8B-Instruct', 1],
    ['Qwen/Qwen2.5-14B-Instruct', 1],
    ['mistralai/Mistral-Small-24B-Instruct-2501', 2],
    ['Qwen/Qwen2.5-32B-Instruct', 2],
    ['meta-llama/Llama-3.3-70B-Instruct', 4],
    ['Qwen/Qwen2.5-72B-Instruct', 4],
    ['mistralai/Mixtral-8x7B-Instruct-v0.1', 4],
    ['Qwen/Qwen3-30B-A3B', 2],
    ['deepseek-ai/DeepSeek-V3-0324', 4],
    ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 1],
    ['mistralai/Mistral-Nemo-Instruct-2407', 1],
  ])('%s costs %i unit(s)', (model, units) => {
    expect(createFeatherlessBackend().costOf(model)).toBe(units);
  });

  it('reads sizes written in ids', () => {
    expect(parameterBillions('Qwen/Qwen2.5-1.5B-Instruct')).toBe(1.5);
    expect(parameterBillions('google/gemma-2-27b-it')).toBe(27);
    expect(parameterBillions('mistralai/Mixtral-8x22B-Instruct-v0.1')).toBe(176);
    expect(parameterBillions('Sao10K/L3-8B-Stheno-v3.2')).toBe(8);
    expect(unitsForModel('unknown/model')).toBe(1);
  });

  it('lets settings override the cost, by id or by function, and the plan size', () => {
    const byId = createFeatherlessBackend({ unitCost: { 'Qwen/Qwen2.5-7B-Instruct': 2 }, planUnits: 8 });
    expect(byId.costOf('Qwen/Qwen2.5-7B-Instruct')).toBe(2);
    expect(byId.costOf('Qwen/Qwen2.5-72B-Instruct')).toBe(4);
    expect(byId.planUnits).toBe(8);
    const byFunction = createFeatherlessBackend({ unitCost: (model) => (model.startsWith('my-org/') ? 3 : undefined) });
    expect(byFunction.costOf('my-org/anything')).toBe(3);
    expect(byFunction.costOf('Qwen/Qwen2.5-32B-Instruct')).toBe(2);
    expect(byFunction.planUnits).toBe(4);
  });

  it('declares how long a limiter keeps the units of a call that ended early: 250 ms unless set', () => {
    expect(createFeatherlessBackend().abortGraceMs).toBe(defaultAbortGraceMs);
    expect(defaultAbortGraceMs).toBe(250);
    expect(createFeatherlessBackend({ abortGraceMs: 0 }).abortGraceMs).toBe(0);
    expect(() => createFeatherlessBackend({ abortGraceMs: Number.POSITIVE_INFINITY })).toThrow(/featherless: abortGraceMs must be a number of milliseconds from 0 to 60000/);
  });

  it('rejects a bad plan or cost setting at construction, listing every problem', () => {
    const error = (() => {
      try {
        createFeatherlessBackend({ planUnits: 0, unitCost: { a: 1.5 } });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).problems).toHaveLength(2);
  });

  it('rejects attribution and headers that cannot be sent as HTTP headers at construction, naming each setting', () => {
    const error = (() => {
      try {
        createFeatherlessBackend({ apiKey, appName: 'Tavern\nTales', appUrl: 'https://tavern.example/🙂', headers: { 'X-Team': 'a\rb' } });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).problems).toEqual([
      expect.stringMatching(/^featherless: appUrl must be Latin-1/),
      expect.stringMatching(/^featherless: appName has a line break/),
      expect.stringMatching(/^featherless: headers\["X-Team"\] has a line break/),
    ]);
  });

  it('a request over the plan gets a retryable 429 that explains plan units', async () => {
    const client = featherless();
    // Holds all 4 units of the plan until released: a 70B stream stalled before its first chunk.
    const holding = client.stream(messages, { model: large, headers: { 'x-sim-fault': JSON.stringify({ kind: 'stall', phase: 'first-chunk', ms: 300 }) } }).collect();
    await vi.waitFor(() => expect(simulator.inFlight).toBe(1), { timeout: 2_000, interval: 5 });
    const error = await client.generate(messages, { model: small }).catch((e: unknown) => e);
    expect(BackendError.isInstance(error)).toBe(true);
    const rejected = error as BackendError;
    expect(rejected).toMatchObject({ status: 429, isRetryable: true });
    expect(rejected.message).toContain("this backend's plan has 4 and a request to Qwen/Qwen2.5-7B-Instruct costs 1");
    expect(rejected.message).not.toContain(apiKey);
    expect((await holding).text).not.toBe('');
  });
});

describe('error advice', () => {
  it.each([
    [400, 'while a model is cold'],
    [403, 'Gated models'],
  ])('a %i says what Featherless means by it', async (status, advice) => {
    const fault = JSON.stringify({ kind: 'status', status });
    const error = await featherless().generate(messages, { model: small, headers: { 'x-sim-fault': fault } }).catch((e: unknown) => e);
    expect((error as BackendError).status).toBe(status);
    expect((error as BackendError).message).toContain(advice);
  });
});

describe('API key stays on the Featherless origin', () => {
  it('getJSON refuses a URL on another server: typed error, and that server receives nothing', async () => {
    const foreign = await startSimulator();
    try {
      for (const target of [`${foreign.baseURL('openai')}/models`, `${foreign.url.replace('http:', '')}/v1/models`]) {
        const error = await featherless().getJSON(target).catch((e: unknown) => e);
        expect(InvalidRequestError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({ field: 'path', backend: 'featherless' });
      }
      expect(foreign.requests).toEqual([]);
      expect(simulator.requests).toEqual([]);
    } finally {
      await foreign.close();
    }
  });
});

describe('routes', () => {
  it('reads the plan', async () => {
    const plan = await featherless().getPlan();
    expect(plan).toMatchObject({ concurrency_limit: 4 });
  });

  it('embeds', async () => {
    const result = await featherless().embed(['a', 'b'], { model: 'sim/embedding' });
    expect(result.embeddings).toHaveLength(2);
    expect(lastRequest().path).toBe('/embeddings');
  });
});
