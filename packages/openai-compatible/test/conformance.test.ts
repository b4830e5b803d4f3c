import { testBackend } from '@router/testing/conformance';
import { createOpenAICompatibleBackend } from '../src/index.ts';

testBackend({
  name: 'openai-compatible',
  dialect: 'openai',
  create: ({ baseURL, apiKey }) => createOpenAICompatibleBackend({ name: 'openai-compatible', baseURL, apiKey }),
  capabilities: { embeddings: true, jsonMode: true, usage: true },
});

// The same base serves OpenRouter's dialect too (comment lines, usage with cost, in-stream error events).
testBackend({
  name: 'openai-compatible on OpenRouter',
  dialect: 'openrouter',
  create: ({ baseURL, apiKey }) => createOpenAICompatibleBackend({ name: 'openai-compatible', baseURL, apiKey }),
  capabilities: { embeddings: true, jsonMode: true, usage: true },
});
