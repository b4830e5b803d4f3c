import { request as httpRequest } from 'node:http';
import { afterEach } from 'vitest';
import { startSimulator } from '../../src/simulator/server.ts';
import type { Dialect, Simulator, SimulatorOptions } from '../../src/simulator/types.ts';

const running = new Set<Simulator>();

/** Starts a simulator that is closed after the current test. */
export async function simulator(options?: SimulatorOptions): Promise<Simulator> {
  const sim = await startSimulator(options);
  running.add(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all([...running].map((sim) => sim.close()));
  running.clear();
});

export const AUTH = { authorization: 'Bearer test-key-123' } as const;

export const HELLO = [{ role: 'user', content: 'Hello there' }] as const;

/** POSTs JSON to `${base}${path}` with a bearer token. */
export function post(sim: Simulator, dialect: Dialect, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.baseURL(dialect)}${path}`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function get(sim: Simulator, dialect: Dialect, path: string): Promise<Response> {
  return fetch(`${sim.baseURL(dialect)}${path}`, { headers: AUTH });
}

/** Reads a body as text with one streaming decoder; a connection error is returned, not thrown. */
export async function readText(response: Response): Promise<{ text: string; error?: unknown }> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    text += decoder.decode();
    return { text };
  } catch (error) {
    return { text, error };
  }
}

/** A parsed event stream. */
export interface SseResult {
  raw: string;
  /** Payloads of `data:` lines, in order (`[DONE]` included). */
  data: string[];
  /** JSON payloads (everything but `[DONE]`). */
  chunks: Record<string, any>[];
  comments: string[];
  /** Content of every delta, concatenated. */
  content: string;
  done: boolean;
  error?: unknown;
}

/** Parses SSE text (\n or \r\n line endings). */
export function parseSse(raw: string): Omit<SseResult, 'error'> {
  const data: string[] = [];
  const comments: string[] = [];
  for (const line of raw.split(/\r?\n/)) {
    if (line.startsWith(':')) comments.push(line.slice(1).trim());
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  const chunks = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as Record<string, any>);
  const content = chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
  return { raw, data, chunks, comments, content, done: data.at(-1) === '[DONE]' };
}

export async function readSse(response: Response): Promise<SseResult> {
  const { text, error } = await readText(response);
  return { ...parseSse(text), error };
}

/** A chat body. */
export function chat(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'sim-model', messages: HELLO, ...extra };
}

/** A raw HTTP request that records every body read as it arrived (no decoding). */
export function rawPost(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; pieces: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(url, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json', ...headers } }, (res) => {
      const pieces: Buffer[] = [];
      res.on('data', (piece: Buffer) => pieces.push(piece));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, pieces }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Marks a promise as handled now (it is awaited later), so an early failed assertion leaves no unhandled rejection. */
export function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** Resolves when `predicate` holds, polling every few milliseconds (fails after `timeoutMs`). */
export async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
