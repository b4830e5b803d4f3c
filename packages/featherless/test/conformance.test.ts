import { testBackend } from '@router/testing/conformance';
import { createFeatherlessBackend } from '../src/index.ts';

testBackend({
  name: 'featherless',
  dialect: 'featherless',
  create: ({ baseURL, apiKey }) => createFeatherlessBackend({ baseURL, apiKey }),
  // By default no model is declared to call tools: the suite checks they are refused before the network.
  capabilities: { embeddings: true, jsonMode: true, usage: true },
});

testBackend({
  name: 'featherless with toolModels',
  dialect: 'featherless',
  create: ({ baseURL, apiKey }) => createFeatherlessBackend({ baseURL, apiKey, toolModels: () => true }),
  capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true },
});
