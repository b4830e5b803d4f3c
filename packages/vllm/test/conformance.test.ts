import { testBackend } from '@router/testing/conformance';
import { createVllmBackend } from '../src/index.ts';

testBackend({
  name: 'vllm',
  dialect: 'vllm',
  create: ({ baseURL, apiKey }) => createVllmBackend({ baseURL, apiKey }),
  capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: false, structuredOutputs: true },
});

testBackend({
  name: 'vllm (before 0.10.1)',
  dialect: 'vllm-legacy',
  create: ({ baseURL, apiKey }) => createVllmBackend({ baseURL, apiKey }),
  capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: false, structuredOutputs: true },
});
