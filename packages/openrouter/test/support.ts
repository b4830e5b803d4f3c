import { createHash } from 'node:crypto';
import type { Message } from '@router/core';
import { startSimulator, type LoggedRequest, type Simulator, type SimulatorOptions } from '@router/testing';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createOpenRouterBackend } from '../src/index.ts';
import type { OpenRouterBackend, OpenRouterBackendSettings } from '../src/index.ts';

/** A key shaped like OpenRouter's; tests check it never leaks into errors. */
export const testApiKey = 'sk-or-v1-test-not-a-real-key-for-the-simulator';

export const user: Message[] = [{ role: 'user', content: 'Say something friendly.' }];

/** How the simulator logs a bearer token: a hash prefix, never the token. */
export function loggedAuthorization(key: string): string {
  return `Bearer sha256:${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/** One simulator for the file (closed after it), its log and faults cleared before each test. */
export function useSimulator(options?: Omit<SimulatorOptions, 'port' | 'host'>): {
  simulator(): Simulator;
  baseURL(): string;
  backend(settings?: OpenRouterBackendSettings): OpenRouterBackend;
  /** The chat or embedding requests received, in order. */
  requests(path?: string): LoggedRequest[];
} {
  let simulator: Simulator | undefined;
  beforeAll(async () => {
    simulator = await startSimulator(options);
  });
  afterAll(async () => {
    await simulator?.close();
  });
  beforeEach(() => {
    simulator?.reset();
    simulator?.clearFaults();
  });
  const sim = (): Simulator => {
    if (!simulator) throw new Error('the simulator is not running');
    return simulator;
  };
  const baseURL = (): string => sim().baseURL('openrouter');
  return {
    simulator: sim,
    baseURL,
    backend: (settings) => createOpenRouterBackend({ apiKey: testApiKey, baseURL: baseURL(), ...settings }),
    requests: (path) => sim().requests.filter((request) => (path ? request.path === path : request.path !== '/models')),
  };
}

/** The body as the simulator received it, as a record. */
export function bodyOf(request: LoggedRequest | undefined): Record<string, unknown> {
  if (!request) throw new Error('no request was received');
  return request.body as Record<string, unknown>;
}

/** Runs `fn` and returns what it threw (failing if it did not). */
export async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
