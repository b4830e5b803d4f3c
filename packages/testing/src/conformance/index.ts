/**
 * The conformance suite every `@router` backend runs against the simulator:
 *
 *   testBackend({ name: 'mlx', dialect: 'mlx', create: ({ baseURL }) => createMlxBackend({ baseURL }),
 *                 capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, reasoning: true } });
 *
 * Capabilities a backend does not declare show up as skipped tests whose
 * titles say why; for `embeddings`, `tools`, `images` and `reasoning` the
 * suite then checks the backend refuses such calls before the network. The
 * flags must match the backend's own `capabilities`. This entry imports vitest; the main `@router/testing`
 * entry does not.
 */
import { describe } from 'vitest';
import { capabilityTests } from './capabilities.ts';
import { cancellationTests } from './cancellation.ts';
import { createConformanceContext, type BackendConformanceOptions } from './context.ts';
import { embeddingTests } from './embeddings.ts';
import { generateTests } from './generate.ts';
import { httpErrorTests } from './http-errors.ts';
import { imageTests } from './images.ts';
import { reasoningTests } from './reasoning.ts';
import { requestBodyTests } from './request-body.ts';
import { streamFaultTests } from './stream-faults.ts';
import { streamingTests } from './streaming.ts';
import { structuredOutputTests } from './structured.ts';
import { toolTests } from './tools.ts';
import { validationTests } from './validation.ts';

export type { BackendConformanceOptions, ConformanceCapabilities } from './context.ts';

export function testBackend(options: BackendConformanceOptions): void {
  describe(`${options.name} conformance (${options.dialect} dialect)`, () => {
    const ctx = createConformanceContext(options);
    generateTests(ctx);
    streamingTests(ctx);
    cancellationTests(ctx);
    httpErrorTests(ctx);
    streamFaultTests(ctx);
    requestBodyTests(ctx);
    embeddingTests(ctx);
    validationTests(ctx);
    capabilityTests(ctx);
    toolTests(ctx);
    imageTests(ctx);
    reasoningTests(ctx);
    structuredOutputTests(ctx);
  });
}
