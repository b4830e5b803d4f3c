import { AbortedError, type Message, type Usage } from '@router/core';
import { expect } from 'vitest';

/** A short conversation with multi-byte text, used wherever the content does not matter. */
export const conversation: readonly Message[] = [
  { role: 'system', content: 'You are a terse assistant.' },
  { role: 'user', content: 'Describe a café in Zürich — briefly 🙂' },
];

/** Prompt tokens as the simulator counts them: a quarter of the message characters, rounded up. */
export function promptTokens(messages: readonly Message[]): number {
  return Math.ceil(messages.reduce((sum, message) => sum + message.content.length, 0) / 4);
}

/** Asserts the token counts; `totalTokens`, when reported, must be their sum. */
export function expectUsage(usage: Usage | undefined, expected: { inputTokens: number; outputTokens: number }): void {
  expect(usage, 'usage was reported').toBeDefined();
  expect(usage).toMatchObject(expected);
  const total = usage?.totalTokens ?? expected.inputTokens + expected.outputTokens;
  expect(total, 'totalTokens is the sum of input and output tokens').toBe(expected.inputTokens + expected.outputTokens);
}

/** Resolves with what the promise rejected with; fails the test if it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export interface Drained {
  chunks: string[];
  /** What the loop threw, if anything. */
  error: unknown;
}

/** Reads a stream to its end, keeping the chunks yielded before any failure. */
export async function drain(stream: AsyncIterable<string>, onChunk?: (chunk: string, index: number) => void): Promise<Drained> {
  const chunks: string[] = [];
  try {
    for await (const chunk of stream) {
      onChunk?.(chunk, chunks.length);
      chunks.push(chunk);
    }
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

interface TypedErrorClass<T> {
  readonly name: string;
  isInstance(error: unknown): error is T;
}

/** Asserts the error's type through its `isInstance` marker, and shows the actual error when it is not. */
export function expectError<T>(error: unknown, type: TypedErrorClass<T>): T {
  expect(type.isInstance(error), `expected ${type.name}, got ${describeError(error)}`).toBe(true);
  return error as T;
}

/**
 * Asserts the caller's abort: an AbortedError, before or after text was
 * delivered (an abort is not an interruption; the text is on the stream).
 */
export function expectAborted(error: unknown): void {
  expect(AbortedError.isInstance(error), `expected an AbortedError, got ${describeError(error)}`).toBe(true);
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `a non-error: ${String(error)}`;
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.name}: ${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}

/** A logged request body as an object. */
export function bodyOf(request: { body: unknown }): Record<string, unknown> {
  expect(request.body, 'the request had a JSON object body').toBeTypeOf('object');
  return request.body as Record<string, unknown>;
}
