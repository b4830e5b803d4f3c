import { ConfigurationError } from '@router/core';
import type { Message } from '@router/core';
import { startSimulator } from '@router/testing';
import type { Simulator } from '@router/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { baseURLFromEnvironment, createOpenAICompatibleBackend, keyFromEnvironment } from '../src/index.ts';

const messages: Message[] = [{ role: 'user', content: 'Hi' }];
const model = 'sim/environment';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator();
});
afterAll(() => simulator.close());
beforeEach(() => simulator.reset());
afterEach(() => vi.unstubAllEnvs());

function backend(apiKey: string | undefined, required: boolean, dialect: 'openai' | 'mlx' = 'openai') {
  return createOpenAICompatibleBackend({
    name: 'acme',
    baseURL: simulator.baseURL(dialect),
    apiKey: keyFromEnvironment({ backend: 'acme', apiKey, variable: 'ACME_TEST_KEY', factory: 'createAcmeBackend', required }),
  });
}

describe('keyFromEnvironment', () => {
  it('a required key that is missing is a ConfigurationError naming the variable, before any request', async () => {
    vi.stubEnv('ACME_TEST_KEY', '');
    const error = await backend(undefined, true).generate(messages, { model }).catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('ACME_TEST_KEY');
    expect((error as Error).message).toContain('createAcmeBackend');
    expect(simulator.requests).toHaveLength(0);
  });

  it('reads the variable at the first call, not at construction; the setting wins over it', async () => {
    vi.stubEnv('ACME_TEST_KEY', '');
    const fromEnvironment = backend(undefined, true);
    vi.stubEnv('ACME_TEST_KEY', 'key-from-environment');
    await fromEnvironment.generate(messages, { model });
    const environmentFingerprint = simulator.requests.at(-1)?.headers.authorization;
    await backend('key-from-settings', true).generate(messages, { model });
    const settingsFingerprint = simulator.requests.at(-1)?.headers.authorization;
    expect(environmentFingerprint).toMatch(/^Bearer sha256:/);
    expect(settingsFingerprint).toMatch(/^Bearer sha256:/);
    expect(settingsFingerprint).not.toBe(environmentFingerprint);
  });

  it('an optional key that is missing sends no Authorization header', async () => {
    vi.stubEnv('ACME_TEST_KEY', '');
    await backend(undefined, false, 'mlx').generate(messages, { model });
    expect(simulator.requests.at(-1)?.headers.authorization).toBeUndefined();
  });
});

describe('baseURLFromEnvironment', () => {
  it('the setting, else the variable read at the first call, else the fallback', () => {
    expect(baseURLFromEnvironment('http://given/v1', 'ACME_TEST_URL', 'http://fallback/v1')).toBe('http://given/v1');
    const lazy = baseURLFromEnvironment(undefined, 'ACME_TEST_URL', 'http://fallback/v1') as () => string;
    vi.stubEnv('ACME_TEST_URL', '');
    expect(lazy()).toBe('http://fallback/v1');
    vi.stubEnv('ACME_TEST_URL', 'http://from-environment/v1');
    expect(lazy()).toBe('http://from-environment/v1');
  });
});
