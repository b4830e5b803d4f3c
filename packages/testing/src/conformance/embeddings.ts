import { RouterError, UnsupportedOperationError } from '@router/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { bodyOf, expectError, rejectionOf } from './helpers.ts';

export function embeddingTests(ctx: ConformanceContext): void {
  describe('embeddings', () => {
    const ordered = ctx.embeddingModel('embed-order', { embeddingDimensions: 48 });
    const shortened = ctx.embeddingModel('embed-dimensions');
    const failing = ctx.embeddingModel('embed-503');
    const unsupported = ctx.embeddingModel('embed-unsupported');
    const supported = ctx.capabilities.embeddings;

    it.skipIf(!supported)('returns the simulator’s vectors, one per input, in input order (needs capabilities.embeddings)', async () => {
      const inputs = ['alpha', 'beta', 'gamma'];
      const { embeddings, model } = await ctx.client().embed(inputs, { model: ordered });
      expect(model).toBe(ordered);
      expect(embeddings).toEqual(inputs.map((input) => ctx.expectedEmbedding(input, 48)));
    });

    it.skipIf(!supported)('sends dimensions and gets the simulator’s vectors of that size (needs capabilities.embeddings)', async () => {
      const { embeddings } = await ctx.client().embed(['alpha', 'beta'], { model: shortened, dimensions: 32 });
      expect(embeddings).toEqual(['alpha', 'beta'].map((input) => ctx.expectedEmbedding(input, 32)));
      // Every request carries it: some servers take one input per request (Ollama), so a batch may be several.
      const sent = ctx.requestsFor(shortened);
      expect(sent.length).toBeGreaterThan(0);
      for (const request of sent) expect(bodyOf(request).dimensions).toBe(32);
    });

    it.skipIf(!supported)('a 503 fails with a typed retryable error after one attempt (needs capabilities.embeddings)', async () => {
      ctx.simulator.addFault({ model: failing, fault: { kind: 'status', status: 503 } });
      const error = expectError(await rejectionOf(ctx.client().embed('alpha', { model: failing })), RouterError);
      expect(error).toMatchObject({ status: 503, isRetryable: true });
      expect(ctx.requestsFor(failing)).toHaveLength(1);
    });

    it.skipIf(supported)('rejects with UnsupportedOperationError and sends nothing (only when capabilities.embeddings is false)', async () => {
      expectError(await rejectionOf(ctx.client().embed('alpha', { model: unsupported })), UnsupportedOperationError);
      expect(ctx.requestsFor(unsupported)).toHaveLength(0);
    });
  });
}
