import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidRequestError } from '@router/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAICompatibleBackend } from '../src/index.ts';

const key = 'sk-origin-test';

interface Recorder {
  url: string;
  received: Array<{ path: string; headers: IncomingHttpHeaders }>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A server on 127.0.0.1 that records every request; `redirectTo` makes it answer 302 there. */
async function recorder(redirectTo?: string): Promise<Recorder> {
  const received: Recorder['received'] = [];
  const server = createServer((req, res) => {
    received.push({ path: req.url ?? '', headers: req.headers });
    if (redirectTo) res.writeHead(302, { location: `${redirectTo}${req.url ?? ''}` }).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('getJSON keeps the key on the configured origin', () => {
  it('resolves a path under the base URL, keeping its query', async () => {
    const home = await recorder();
    const backend = createOpenAICompatibleBackend({ name: 'home', baseURL: `${home.url}/v1?tenant=7`, apiKey: key });
    await expect(backend.getJSON('/plan')).resolves.toEqual({ path: '/v1/plan?tenant=7' });
    await expect(backend.getJSON('models/x?full=1')).resolves.toEqual({ path: '/v1/models/x?full=1&tenant=7' });
    await expect(backend.getJSON(`${home.url}/v1/plan`)).resolves.toEqual({ path: '/v1/plan' });
    expect(home.received.map((request) => request.headers.authorization)).toEqual([`Bearer ${key}`, `Bearer ${key}`, `Bearer ${key}`]);
  });

  it.each([
    ['an absolute URL to another origin', (other: string) => `${other}/x`],
    ['a protocol-relative URL', (other: string) => `${other.replace('http:', '')}/x`],
    ['a backslashed protocol-relative URL', (other: string) => `${other.replace('http://', '\\\\')}/x`],
    ['the same host on another port', (other: string) => `${other.replace(/:\d+$/, ':1')}/x`],
    ['another scheme', () => 'file:///etc/passwd'],
  ])('refuses %s with a typed error naming the path, and sends nothing', async (_, pathTo) => {
    const home = await recorder();
    const foreign = await recorder();
    const backend = createOpenAICompatibleBackend({ name: 'home', baseURL: `${home.url}/v1`, apiKey: key });
    const error = await backend.getJSON(pathTo(foreign.url)).catch((e: unknown) => e);
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ field: 'path', backend: 'home' });
    expect((error as Error).message).not.toContain(key);
    expect(foreign.received).toEqual([]);
    expect(home.received).toEqual([]);
  });

  it('text appended to a bare origin cannot change the host', async () => {
    const home = await recorder();
    const backend = createOpenAICompatibleBackend({ name: 'home', baseURL: home.url, apiKey: key });
    // Appended by plain concatenation, `@host` would make the base URL user info and `host` the target.
    await expect(backend.getJSON('@127.0.0.2/x')).resolves.toEqual({ path: '/@127.0.0.2/x' });
    expect(home.received).toHaveLength(1);
  });

  it('a redirect to another origin does not carry the key there', async () => {
    const foreign = await recorder();
    const home = await recorder(foreign.url);
    const backend = createOpenAICompatibleBackend({ name: 'home', baseURL: `${home.url}/v1`, apiKey: key });
    await backend.getJSON('/plan');
    expect(home.received[0]?.headers.authorization).toBe(`Bearer ${key}`);
    expect(foreign.received).toHaveLength(1);
    expect(foreign.received[0]?.headers.authorization).toBeUndefined();
  });
});
