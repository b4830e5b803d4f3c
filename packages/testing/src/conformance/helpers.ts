import { AbortedError, UnsupportedOperationError, type CallOptions, type Capability, type CompletionStream, type Message, type StreamPart, type Usage } from '@router/core';
import { expect } from 'vitest';
import type { ConformanceContext } from './context.ts';

/** A short conversation with multi-byte text, used wherever the content does not matter. */
export const conversation: readonly Message[] = [
  { role: 'system', content: 'You are a terse assistant.' },
  { role: 'user', content: 'Describe a café in Zürich — briefly 🙂' },
];

/** The text of a message as the simulator reads it: its text parts joined (images count for nothing). */
export function messageText(message: Message): string {
  const { content } = message;
  return typeof content === 'string' ? content : content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Prompt tokens as the simulator counts them: a quarter of the message characters, rounded up. */
export function promptTokens(messages: readonly Message[]): number {
  return Math.ceil(messages.reduce((sum, message) => sum + messageText(message).length, 0) / 4);
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

/** Reads the parts view of a stream to its end, keeping the parts yielded before any failure. */
export async function drainParts(stream: CompletionStream): Promise<{ parts: StreamPart[]; error: unknown }> {
  const parts: StreamPart[] = [];
  try {
    for await (const part of stream.parts()) parts.push(part);
    return { parts, error: undefined };
  } catch (error) {
    return { parts, error };
  }
}

/** A logged request body as an object. */
export function bodyOf(request: { body: unknown }): Record<string, unknown> {
  expect(request.body, 'the request had a JSON object body').toBeTypeOf('object');
  return request.body as Record<string, unknown>;
}

/** Runs the calls and asserts the simulator saw no request at all meanwhile. */
export async function withoutRequests(ctx: ConformanceContext, calls: () => Promise<void>): Promise<void> {
  const before = ctx.simulator.requests.length;
  await calls();
  expect(ctx.simulator.requests.length, 'requests that reached the simulator').toBe(before);
}

/** A backend without `capability` refuses the call, through generate and stream, naming it, before the network. */
export async function expectRefused(ctx: ConformanceContext, capability: Capability, messages: readonly Message[], options: CallOptions): Promise<void> {
  const client = ctx.client();
  await withoutRequests(ctx, async () => {
    const viaGenerate = expectError(await rejectionOf(client.generate(messages, options)), UnsupportedOperationError);
    expect(viaGenerate.capability).toBe(capability);
    const viaStream = expectError((await drain(client.stream(messages, options))).error, UnsupportedOperationError);
    expect(viaStream.capability).toBe(capability);
  });
}

/**
 * Looks a field up at the top of the body or, for MLX servers (which read
 * sampler extras from a literal `extra_body` key), inside `extra_body`.
 */
export function extraField(body: Record<string, unknown>, key: string): unknown {
  if (key in body) return body[key];
  const nested = body.extra_body;
  return typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>)[key] : undefined;
}

/** Message content as text: a string, or (as some SDKs send it) an array of text parts. */
export function wireText(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  return content.map((part: { type?: unknown; text?: unknown }) => (part.type === 'text' ? part.text : JSON.stringify(part))).join('');
}
