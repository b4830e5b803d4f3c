import { testBackend } from '@router/testing/conformance';
import { createOllamaBackend } from '../src/index.ts';

testBackend({
  name: 'ollama',
  dialect: 'ollama',
  create: ({ baseURL, apiKey }) => createOllamaBackend({ baseURL, apiKey }),
  capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: false, structuredOutputs: false, toolChoice: false },
});
