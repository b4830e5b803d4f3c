import { testBackend } from '@router/testing/conformance';
import { createOpenRouterBackend } from '../src/index.ts';

testBackend({
  name: 'openrouter',
  dialect: 'openrouter',
  create: ({ baseURL, apiKey }) => createOpenRouterBackend({ baseURL, apiKey }),
  capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: true, structuredOutputs: true },
});
