import { testBackend } from '@router/testing/conformance';
import { createMlxBackend } from '../src/index.ts';

testBackend({
  name: 'mlx (mlx-omni-server)',
  dialect: 'mlx',
  create: ({ baseURL }) => createMlxBackend({ baseURL }),
  capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, structuredOutputs: true },
});

testBackend({
  name: 'mlx (mlx_lm.server)',
  dialect: 'mlx-lm',
  create: ({ baseURL }) => createMlxBackend({ baseURL, server: 'mlx_lm.server' }),
  capabilities: { embeddings: false, jsonMode: false, usage: true, tools: true },
});
