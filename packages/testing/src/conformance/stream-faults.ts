import { RouterError, StreamInterruptedError } from '@router/core';
import { describe, expect, it } from 'vitest';
import type { Fault } from '../simulator/index.ts';
import type { ConformanceContext } from './context.ts';
import { conversation, drain, expectError, rejectionOf } from './helpers.ts';

interface BrokenStreamCase {
  label: string;
  fault: Fault;
  /** Why a case does not apply to every dialect (shown in the title when skipped). */
  onlyFor?: { dialects: readonly string[]; reason: string };
}

const cases: BrokenStreamCase[] = [
  { label: 'a malformed event', fault: { kind: 'malformed-event', afterChunks: 2 } },
  { label: 'a connection closed mid-stream', fault: { kind: 'close-mid-stream', afterChunks: 2 } },
  { label: 'a stream that ends without its finish frame', fault: { kind: 'no-finish' } },
  {
    label: 'an in-stream error event',
    fault: { kind: 'error-event', afterChunks: 2, code: 502, message: 'provider went away' },
    onlyFor: { dialects: ['openrouter', 'ollama', 'vllm', 'vllm-legacy'], reason: 'only OpenRouter, Ollama and vLLM report errors inside a stream' },
  },
];

/**
 * A stream that breaks after text was delivered must fail with the text it
 * delivered, never crash and never pass for a complete answer.
 */
export function streamFaultTests(ctx: ConformanceContext): void {
  describe('broken streams', () => {
    for (const { label, fault, onlyFor } of cases) {
      const model = ctx.chatModel(`broken-${fault.kind}`);
      const skip = onlyFor !== undefined && !onlyFor.dialects.includes(ctx.dialect);
      const title = `${label} gives StreamInterruptedError carrying the text already yielded${skip ? ` (skipped: ${onlyFor?.reason})` : ''}`;

      it.skipIf(skip)(title, async () => {
        ctx.simulator.addFault({ model, fault });
        const stream = ctx.client().stream(conversation, { model });
        const { chunks, error } = await drain(stream);
        expect(chunks.length, 'some text arrived before the fault').toBeGreaterThan(0);
        const interrupted = expectError(error, StreamInterruptedError);
        expect(interrupted.partialText).toBe(chunks.join(''));
        expect(ctx.expectedReply(model, conversation).startsWith(interrupted.partialText)).toBe(true);
        expect(RouterError.isInstance(interrupted.cause), 'the cause is a typed error too').toBe(true);
        expect(interrupted.isRetryable).toBe(false);
        expect(await rejectionOf(stream.completion), 'the completion rejects with the same error').toBe(error);
      });
    }
  });
}
