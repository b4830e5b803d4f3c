import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/simulator/server.ts';
import type { Simulator } from '../../src/simulator/types.ts';
import { AUTH, chat, post, simulator } from './helpers.ts';

/** A chat body of exactly `bytes` bytes (padding in the user message). */
function chatOfSize(bytes: number): string {
  const empty = JSON.stringify(chat({ messages: [{ role: 'user', content: '' }] }));
  return JSON.stringify(chat({ messages: [{ role: 'user', content: 'x'.repeat(bytes - empty.length) }] }));
}

/** The answer's status and JSON body. */
async function answer(response: IncomingMessage): Promise<{ status: number; body: unknown }> {
  let text = '';
  for await (const piece of response) text += String(piece);
  return { status: response.statusCode ?? 0, body: JSON.parse(text) };
}

/**
 * Starts a chunked POST (no content-length), writes `first` and leaves the request open: the
 * simulator must answer without waiting for a body that may never end.
 */
function openUpload(sim: Simulator, first: Buffer): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${sim.baseURL('openai')}/chat/completions`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' } });
    req.on('response', (response) => {
      resolve(response);
      response.once('end', () => req.destroy());
    });
    req.on('error', reject);
    req.flushHeaders();
    req.write(first);
  });
}

describe('request body cap', () => {
  it('defaults to 4 MiB: a body of exactly the cap is served, one byte more is a 413 in the OpenAI error shape', async () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(4 * 1024 * 1024);
    const sim = await simulator();
    const atCap = await post(sim, 'openai', '/chat/completions', chatOfSize(DEFAULT_MAX_BODY_BYTES));
    expect(atCap.status).toBe(200);
    await atCap.text();
    const over = await post(sim, 'openai', '/chat/completions', chatOfSize(DEFAULT_MAX_BODY_BYTES + 1));
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({
      error: { message: expect.stringContaining(`at most ${DEFAULT_MAX_BODY_BYTES} bytes`), type: 'invalid_request_error', param: null, code: 'request_too_large' },
    });
  });

  it('answers 413 as soon as a chunked body passes the cap, without waiting for (or keeping) the rest', async () => {
    const sim = await simulator({ maxBodyBytes: 1000 });
    const response = await openUpload(sim, Buffer.alloc(1500, 'x'));
    const { status, body } = await answer(response);
    expect(status).toBe(413);
    expect(body).toMatchObject({ error: { code: 'request_too_large' } });
    expect(sim.requests[0]).toMatchObject({ status: 413, body: undefined });
  });

  it('refuses a declared content-length over the cap before reading the body', async () => {
    const sim = await simulator({ maxBodyBytes: 1000 });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`${sim.baseURL('featherless')}/chat/completions`, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': 'application/json', 'content-length': '5000000' },
      });
      req.on('response', (res) => {
        resolve(res);
        res.once('end', () => req.destroy());
      });
      req.on('error', reject);
      // Headers only: the body never comes.
      req.flushHeaders();
    });
    expect((await answer(response)).status).toBe(413);
  });

  it('rejects a bad maxBodyBytes', async () => {
    await expect(simulator({ maxBodyBytes: 0 })).rejects.toThrow(/maxBodyBytes/);
  });
});
