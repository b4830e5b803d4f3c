import type { LLMClient } from '@router/core';
import { createFeatherlessBackend } from '@router/featherless';
import { createMlxBackend } from '@router/mlx';
import { createOpenAICompatibleBackend } from '@router/openai-compatible';
import { createOpenRouterBackend } from '@router/openrouter';
import type { Dialect } from '@router/testing';

/** A fake key: the simulator accepts any bearer, and a real one must never appear in tests. */
export const testApiKey = 'sk-reliability-test';

/** One adapter under test: the dialect its service speaks and how to point it at the simulator. */
export interface AdapterCase {
  name: string;
  dialect: Dialect;
  create(baseURL: string, backendName: string): LLMClient;
}

/**
 * Every real adapter, each through its own SDK (the `openai` SDK, or the AI SDK
 * for OpenRouter); mlx twice, for both servers it supports.
 */
export const adapters: readonly AdapterCase[] = [
  { name: 'mlx', dialect: 'mlx', create: (baseURL, name) => createMlxBackend({ name, baseURL }) },
  { name: 'mlx-lm', dialect: 'mlx-lm', create: (baseURL, name) => createMlxBackend({ name, baseURL, server: 'mlx_lm.server' }) },
  { name: 'featherless', dialect: 'featherless', create: (baseURL, name) => createFeatherlessBackend({ name, baseURL, apiKey: testApiKey }) },
  { name: 'openrouter', dialect: 'openrouter', create: (baseURL, name) => createOpenRouterBackend({ name, baseURL, apiKey: testApiKey }) },
  {
    name: 'openai-compatible',
    dialect: 'openai',
    create: (baseURL, name) => createOpenAICompatibleBackend({ name, baseURL, apiKey: testApiKey }),
  },
];

/**
 * The fallback of every router under test: the openai-compatible backend on
 * another dialect than the primary's, so the request log tells who served.
 */
export function fallbackDialect(primary: Dialect): Dialect {
  return primary === 'openai' ? 'openrouter' : 'openai';
}

export function createFallback(baseURL: string): LLMClient {
  return createOpenAICompatibleBackend({ name: 'fallback', baseURL, apiKey: testApiKey });
}
