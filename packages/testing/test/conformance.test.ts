// Proves the conformance suite against a fetch-only reference backend in several
// dialects, before any real adapter relies on it.
import { testBackend } from '../src/conformance/index.ts';
import { createReferenceBackend } from './reference-backend.ts';

testBackend({
  name: 'reference',
  dialect: 'openai',
  create: ({ baseURL, apiKey }) => createReferenceBackend({ baseURL, apiKey, capabilities: { embeddings: true } }),
  capabilities: { embeddings: true, jsonMode: true, usage: true },
});

testBackend({
  name: 'reference',
  dialect: 'mlx',
  // A local MLX server needs no key.
  create: ({ baseURL }) => createReferenceBackend({ baseURL, capabilities: { embeddings: true } }),
  capabilities: { embeddings: true, jsonMode: true, usage: true },
});

testBackend({
  name: 'reference',
  dialect: 'openrouter',
  create: ({ baseURL, apiKey }) => createReferenceBackend({ baseURL, apiKey, capabilities: { embeddings: true } }),
  capabilities: { embeddings: true, jsonMode: true, usage: true },
});

// mlx_lm.server has no embeddings: this run proves the capability skips and the unsupported path.
testBackend({
  name: 'reference',
  dialect: 'mlx-lm',
  create: ({ baseURL }) => createReferenceBackend({ baseURL, capabilities: { embeddings: false, jsonMode: false } }),
  capabilities: { embeddings: false, jsonMode: false, usage: true },
});
