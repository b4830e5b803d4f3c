import type { Message } from '@router/core';
import type { LoggedRequest, Simulator } from '@router/testing';
import { afterAll, beforeAll, expect } from 'vitest';

/** Short, with multi-byte text, so split writes cut characters. */
export const messages: readonly Message[] = [
  { role: 'system', content: 'Answer briefly.' },
  { role: 'user', content: 'Describe a café in Zürich — in a few words 🙂' },
];

/**
 * Collects every unhandled rejection while the file runs and fails the file
 * if there was any (after a turn of the event loop, so late ones count too).
 */
export function watchUnhandledRejections(): void {
  const reasons: unknown[] = [];
  const collect = (reason: unknown): void => {
    reasons.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', collect);
  });
  afterAll(async () => {
    // Node reports an unhandled rejection at the end of the turn it happened in.
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', collect);
    expect(reasons, 'unhandled rejections').toEqual([]);
  });
}

export interface Drained {
  chunks: string[];
  /** What the loop threw, if anything. */
  error: unknown;
}

/** Reads a stream to its end, keeping the chunks yielded before any failure. */
export async function drain(stream: AsyncIterable<string>): Promise<Drained> {
  const chunks: string[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

/** Polls until `condition` holds, failing with `what` after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The chat requests the simulator logged for these model ids, oldest first. */
export function chatRequests(sim: Simulator, models: readonly string[]): LoggedRequest[] {
  return sim.requests.filter((request) => request.path === '/chat/completions' && request.model !== undefined && models.includes(request.model));
}

/** An error's name and message, and its cause's, for assertion messages. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `a non-error: ${String(error)}`;
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.name}: ${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}
