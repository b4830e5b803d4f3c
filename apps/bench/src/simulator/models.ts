import type { ToolDefinition } from '@router/core';
import type { ModelProfile } from '@router/testing';

/**
 * The simulated models the benchmark calls. Every reply is a fixed run of
 * numbered words (`w0 w1 w2 ...`), one word per chunk, so a stream can be
 * checked chunk by chunk: a lost, repeated or swapped chunk shows at once.
 */
export interface BenchModel {
  id: string;
  /** Content chunks in a streamed reply (one word each). */
  chunks: number;
  profile: Partial<ModelProfile>;
}

/** The words of a reply with `count` chunks, each with the space that follows it (as the simulator cuts them). */
export function replyTokens(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i < count - 1 ? `w${i} ` : `w${i}`));
}

function model(id: string, chunks: number, profile: Partial<ModelProfile> = {}): BenchModel {
  return { id, chunks, profile: { ...profile, tokensPerChunk: 1, reply: replyTokens(chunks).join('') } };
}

export const benchModels: {
  /** A short, instant answer: what a classifier call looks like, and the floor of per-request cost. */
  short: BenchModel;
  /** A long, unpaced stream: per-chunk cost dominates. */
  long: BenchModel;
  /** A paced stream (first token after 20 ms, then 200 chunks/s), as a real model streams: the sweep's load. */
  paced: BenchModel;
  /** Sends its first chunk at once and the next a minute later: streams held open to weigh them. */
  held: BenchModel;
} = {
  short: model('bench-short', 24),
  long: model('bench-long', 300),
  paced: model('bench-paced', 20, { ttftMs: 20, tokensPerSecond: 200 }),
  held: model('bench-held', 3, { tokensPerSecond: 1 / 60 }),
};

/** One user message: every call sends the same prompt, so replies are identical and checkable. */
export const benchMessages: { role: 'user'; content: string }[] = [{ role: 'user', content: 'Benchmark prompt: answer with numbered words.' }];

/** A tool whose arguments are an object of `count` string properties (`field0`, `field1`...). */
function recordTool(name: string, count: number): ToolDefinition {
  const properties = Object.fromEntries(Array.from({ length: count }, (_, i) => [`field${i}`, { type: 'string' }]));
  return { name, description: `Records ${count} fields.`, parameters: { type: 'object', properties, required: Object.keys(properties) } };
}

/**
 * The tools of the tool-call stream. Offered tools, a simulated model calls
 * them instead of answering: two in parallel here, their deltas interleaved.
 * The simulator fills each string property with a short phrase that has an
 * escaped quote and multi-byte characters, and cuts the arguments into pieces
 * of 1 to 9 characters, so thirteen properties per tool make 293 argument
 * deltas per stream (to the `long` model): about as many as the text
 * stream's 300 chunks.
 */
export const benchTools: ToolDefinition[] = [recordTool('record_left', 13), recordTool('record_right', 13)];
