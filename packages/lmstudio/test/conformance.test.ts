import { testBackend } from '@router/testing/conformance';
import { createLmstudioBackend } from '../src/index.ts';

testBackend({
  name: 'lmstudio',
  dialect: 'lmstudio',
  create: ({ baseURL, apiKey }) => createLmstudioBackend({ baseURL, apiKey }),
  capabilities: { embeddings: true, jsonMode: true, usage: true },
});
