// Proves the conformance suite against a fetch-only reference backend in several
// dialects, before any real adapter relies on it.
import { testBackend } from '../src/conformance/index.ts';
import { createReferenceBackend } from './reference-backend.ts';

const everything = { embeddings: true, jsonMode: true, tools: true, images: true, reasoning: true, structuredOutputs: true };

testBackend({
  name: 'reference',
  dialect: 'openai',
  create: ({ baseURL, apiKey }) => createReferenceBackend({ baseURL, apiKey, capabilities: everything }),
  capabilities: { ...everything, usage: true },
});

testBackend({
  name: 'reference',
  dialect: 'mlx',
  // A local MLX server needs no key.
  create: ({ baseURL }) => createReferenceBackend({ baseURL, capabilities: everything }),
  capabilities: { ...everything, usage: true },
});

testBackend({
  name: 'reference',
  dialect: 'openrouter',
  create: ({ baseURL, apiKey }) => createReferenceBackend({ baseURL, apiKey, capabilities: everything, reasoningField: 'reasoning' }),
  capabilities: { ...everything, usage: true },
});

// mlx_lm.server has no embeddings and (here) no images or JSON mode: this run proves the
// capability skips and the refusals before the network; its tool calls arrive whole.
const mlxLm = { embeddings: false, jsonMode: false, tools: true, images: false, reasoning: false, structuredOutputs: false };
testBackend({
  name: 'reference',
  dialect: 'mlx-lm',
  create: ({ baseURL }) => createReferenceBackend({ baseURL, capabilities: mlxLm }),
  capabilities: { ...mlxLm, usage: true },
});
