import { testBackend } from '@router/testing/conformance';
import { createLmStudioBackend } from '../src/index.ts';

testBackend({
  name: 'lmstudio',
  dialect: 'lmstudio',
  create: ({ baseURL, apiKey }) => createLmStudioBackend({ baseURL, apiKey }),
  capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: false, structuredOutputs: true },
});
