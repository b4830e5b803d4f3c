import { testBackend } from '@router/testing/conformance';
import { createOllamaBackend } from './example/ollama.ts';

// The README's example adapter, run through the same conformance suite as the real ones.
testBackend({
  name: 'README example (Ollama)',
  dialect: 'openai',
  create: ({ baseURL, apiKey }) => createOllamaBackend({ baseURL, apiKey }),
  capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: true },
});
