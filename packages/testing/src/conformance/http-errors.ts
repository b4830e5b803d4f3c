import { RouterError } from '@router/core';
import { describe, expect, it } from 'vitest';
import type { Fault } from '../simulator/index.ts';
import type { ConformanceContext } from './context.ts';
import { conversation, drain, expectError, rejectionOf } from './helpers.ts';

interface HttpErrorCase {
  label: string;
  fault: Fault;
  expected: { status?: number; isRetryable: boolean; retryAfterMs?: number };
}

const cases: HttpErrorCase[] = [
  { label: '401', fault: { kind: 'status', status: 401 }, expected: { status: 401, isRetryable: false } },
  { label: '400', fault: { kind: 'status', status: 400 }, expected: { status: 400, isRetryable: false } },
  {
    label: '429 with Retry-After',
    fault: { kind: 'status', status: 429, retryAfter: '2' },
    expected: { status: 429, isRetryable: true, retryAfterMs: 2000 },
  },
  { label: '500', fault: { kind: 'status', status: 500 }, expected: { status: 500, isRetryable: true } },
  { label: '503', fault: { kind: 'status', status: 503 }, expected: { status: 503, isRetryable: true } },
  { label: 'a connection reset', fault: { kind: 'reset' }, expected: { isRetryable: true } },
];

/**
 * Each case makes exactly one HTTP attempt: the SDK's own retries must be off,
 * because core owns retries (otherwise attempts multiply).
 */
export function httpErrorTests(ctx: ConformanceContext): void {
  describe('HTTP errors', () => {
    for (const { label, fault, expected } of cases) {
      const slug = label.replace(/\W+/g, '-');
      const viaGenerate = ctx.chatModel(`http-generate-${slug}`);
      const viaStream = ctx.chatModel(`http-stream-${slug}`);
      const retry = expected.isRetryable ? 'retryable' : 'non-retryable';

      it(`${label} fails generate with a typed ${retry} error, after exactly one attempt`, async () => {
        ctx.simulator.addFault({ model: viaGenerate, fault });
        const error = expectError(await rejectionOf(ctx.client().generate(conversation, { model: viaGenerate })), RouterError);
        expect(error).toMatchObject(expected);
        expect(error.message, 'error messages never contain the API key').not.toContain(ctx.apiKey);
        expect(ctx.requestsFor(viaGenerate)).toHaveLength(1);
      });

      it(`${label} fails a stream before its first chunk with the same typed error, after exactly one attempt`, async () => {
        ctx.simulator.addFault({ model: viaStream, fault });
        const { chunks, error } = await drain(ctx.client().stream(conversation, { model: viaStream }));
        expect(chunks).toEqual([]);
        expect(expectError(error, RouterError)).toMatchObject(expected);
        expect(ctx.requestsFor(viaStream)).toHaveLength(1);
      });
    }
  });
}
