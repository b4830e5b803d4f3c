import type { BackendCapabilities } from '@router/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.ts';

/** The flags the suite runs by must be the ones the backend declares, or its gated groups prove the wrong thing. */
export function capabilityTests(ctx: ConformanceContext): void {
  describe('capabilities', () => {
    it('the backend declares the capabilities the suite was given (tools, images, reasoning, structuredOutputs default to false)', () => {
      const declared = (ctx.client() as { capabilities?: Partial<BackendCapabilities> }).capabilities;
      if (declared === undefined) return;
      const { capabilities } = ctx;
      const given = {
        embeddings: capabilities.embeddings,
        jsonMode: capabilities.jsonMode,
        usage: capabilities.usage,
        tools: capabilities.tools ?? false,
        images: capabilities.images ?? false,
        reasoning: capabilities.reasoning ?? false,
        structuredOutputs: capabilities.structuredOutputs ?? false,
      };
      expect({ ...given, ...pick(declared, Object.keys(given)) }).toEqual(given);
    });
  });
}

/** The declared flags among `keys` (a flag the backend leaves out is not contradicted). */
function pick(declared: Partial<BackendCapabilities>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => key in declared).map((key) => [key, declared[key as keyof BackendCapabilities]]));
}
