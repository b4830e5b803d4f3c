import { testBackend } from '@router/testing/conformance';
import { createFeatherlessBackend } from '../src/index.ts';

testBackend({
  name: 'featherless',
  dialect: 'featherless',
  create: ({ baseURL, apiKey }) => createFeatherlessBackend({ baseURL, apiKey }),
  capabilities: { embeddings: true, jsonMode: true, usage: true },
});
