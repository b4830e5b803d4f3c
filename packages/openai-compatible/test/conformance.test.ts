import { testBackend } from '@router/testing/conformance';
import { createOpenAICompatibleBackend } from '../src/index.ts';

testBackend({
  name: 'openai-compatible',
  dialect: 'openai',
  create: ({ baseURL, apiKey }) => createOpenAICompatibleBackend({ name: 'openai-compatible', baseURL, apiKey }),
  // The defaults: the wire carries tools, images and reasoning; enforcing a schema is the server's to declare.
  capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: true },
});

// A server declared to enforce json_schema (vLLM with guided decoding): the structured-output group runs.
testBackend({
  name: 'openai-compatible with structured outputs',
  dialect: 'openai',
  create: ({ baseURL, apiKey }) => createOpenAICompatibleBackend({ name: 'openai-compatible', baseURL, apiKey, capabilities: { structuredOutputs: true } }),
  capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: true, structuredOutputs: true },
});

// The same base serves OpenRouter's dialect too (comment lines, usage with cost, in-stream error events).
testBackend({
  name: 'openai-compatible on OpenRouter',
  dialect: 'openrouter',
  create: ({ baseURL, apiKey }) => createOpenAICompatibleBackend({ name: 'openai-compatible', baseURL, apiKey, reasoningField: 'reasoning' }),
  capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: true },
});
