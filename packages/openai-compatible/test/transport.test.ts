import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { AbortedError, ConfigurationError } from '@router/core';
import type { Message } from '@router/core';
import { startSimulator } from '@router/testing';
import { APIError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { eventChunks } from '../src/event-chunks.ts';
import { httpFetch } from '../src/http-fetch.ts';
import { createOpenAICompatibleBackend } from '../src/index.ts';
import { SseDecoder } from '../src/sse-decoder.ts';

const messages: Message[] = [{ role: 'user', content: 'hi' }];

/** Every event a decoder hands out for these bytes, cut into `pieces` at each given offset. */
function decode(text: string, cuts: number[] = []): [string | undefined, string][] {
  const events: [string | undefined, string][] = [];
  const decoder = new SseDecoder((name, data) => events.push([name, data]));
  const bytes = Buffer.from(text);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    decoder.push(bytes.subarray(from, cut));
    from = cut;
  }
  decoder.end();
  return events;
}

describe('SseDecoder', () => {
  it('reads LF, CRLF and CR line ends, joins data lines, takes event names, and skips comments and other fields', () => {
    const text = ': keep-alive\n\ndata: a\n\ndata:b\r\ndata:  c\r\n\r\nevent: error\rid: 7\rdata: {"x":1}\r\rretry: 5\n\n';
    expect(decode(text)).toEqual([
      [undefined, 'a'],
      [undefined, 'b\n c'],
      ['error', '{"x":1}'],
    ]);
  });

  it('gives the same events however the bytes are cut, multi-byte characters and CRLF included', () => {
    const text = 'data: {"t":"café 🙂"}\r\n\r\ndata: two\n\ndata: three\r\rdata: [DONE]\n\n';
    const whole = decode(text);
    expect(whole.map(([, data]) => data)).toEqual(['{"t":"café 🙂"}', 'two', 'three', '[DONE]']);
    const length = Buffer.byteLength(text);
    for (let cut = 1; cut < length; cut++) expect(decode(text, [cut]), `cut at ${cut}`).toEqual(whole);
    expect(decode(text, Array.from({ length: length - 1 }, (_, i) => i + 1))).toEqual(whole);
  });

  it('delivers an event the body ended inside, last line without its line end included', () => {
    expect(decode('data: a\n\ndata: b')).toEqual([
      [undefined, 'a'],
      [undefined, 'b'],
    ]);
    expect(decode('data: a\ndata: b\n')).toEqual([[undefined, 'a\nb']]);
  });
});

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8').on('data', (text: string) => (body += text));
    req.on('end', () => resolve(body));
  });
}

describe('httpFetch', () => {
  it('opens at most maxConnections connections to a server; a request past them waits for a free one', async () => {
    const held: ServerResponse[] = [];
    const sockets = new Set<unknown>();
    const arrived: string[] = [];
    const url = await serve((req, res) => {
      sockets.add(req.socket);
      arrived.push(req.url!);
      held.push(res);
    });
    const fetch = httpFetch({ maxConnections: 2 });
    const answers = ['/a', '/b', '/c'].map((path) => fetch(`${url}${path}`));
    await expect.poll(() => arrived.length).toBe(2);
    // The third waits in the agent's queue while both connections are busy, until a body has been read to its end.
    held.shift()!.end('first');
    expect(await (await answers[0]!).text()).toBe('first');
    await expect.poll(() => arrived).toEqual(['/a', '/b', '/c']);
    for (const res of held.splice(0)) res.end('later');
    const texts = await Promise.all(answers.slice(1).map(async (answer) => (await answer).text()));
    expect(texts).toEqual(['later', 'later']);
    expect(sockets.size).toBe(2);
  });

  it('sends the body with its length, follows a 307 with method and body kept, and decodes a gzipped answer', async () => {
    const seen: { method: string; url: string; body: string; length: string | undefined }[] = [];
    const url = await serve(async (req, res) => {
      seen.push({ method: req.method!, url: req.url!, body: await readBody(req), length: req.headers['content-length'] });
      if (req.url === '/old') res.writeHead(307, { location: '/new' }).end();
      else res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"ok":"café"}'));
    });
    const response = await httpFetch()(`${url}/old`, { method: 'POST', body: '{"q":"é"}', headers: { 'content-type': 'application/json' } });
    expect(await response.json()).toEqual({ ok: 'café' });
    expect(seen).toEqual([
      { method: 'POST', url: '/old', body: '{"q":"é"}', length: '10' },
      { method: 'POST', url: '/new', body: '{"q":"é"}', length: '10' },
    ]);
  });

  it('sends a request once more when a reused connection turns out closed before any answer', async () => {
    const requestsPerSocket = new Map<unknown, number>();
    const url = await serve((req, res) => {
      const count = (requestsPerSocket.get(req.socket) ?? 0) + 1;
      requestsPerSocket.set(req.socket, count);
      // The second request on a kept-alive connection finds it closed, as at a server's keep-alive timeout.
      if (count === 2) req.socket.destroy();
      else res.end('ok');
    });
    const fetch = httpFetch();
    expect(await (await fetch(url)).text()).toBe('ok');
    expect(await (await fetch(url)).text()).toBe('ok');
    expect([...requestsPerSocket.values()]).toEqual([2, 1]);
  });

  it('rejects with the signal’s reason when aborted before the answer', async () => {
    const url = await serve(() => {});
    const controller = new AbortController();
    const answer = httpFetch()(url, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(answer).rejects.toThrow('stop');
  });
});

describe('eventChunks', () => {
  it('ends only when the body has ended, not at [DONE]', async () => {
    let end!: () => void;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: [DONE]\n\n');
      end = () => res.end();
    });
    const chunks = eventChunks(await httpFetch()(url), new AbortController().signal);
    expect((await chunks.next()).value).toEqual({ choices: [{ delta: { content: 'a' } }] });
    let finished = false;
    const last = chunks.next().then((result) => ((finished = true), result));
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(false);
    end();
    expect(await last).toEqual({ done: true, value: undefined });
  });

  it('reads any fetch’s web body by the same rules: chunks in order, then the SDK’s APIError for an error event', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"n":1}\n\ndata: {"n":2}\n\nevent: error\ndata: {"error":{"message":"boom","code":"server_error"}}\n\n');
    });
    const chunks = eventChunks(await globalThis.fetch(url), new AbortController().signal);
    expect((await chunks.next()).value).toEqual({ n: 1 });
    expect((await chunks.next()).value).toEqual({ n: 2 });
    const error = await chunks.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ error: { message: 'boom' } });
  });

  it('ends quietly and closes the connection when the signal fires mid-body', async () => {
    let closed!: Promise<unknown>;
    const url = await serve((req, res) => {
      closed = once(req.socket, 'close');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
    });
    const controller = new AbortController();
    const chunks = eventChunks(await httpFetch()(url), controller.signal);
    expect((await chunks.next()).value).toEqual({ n: 1 });
    const next = chunks.next();
    controller.abort();
    expect(await next).toEqual({ done: true, value: undefined });
    await closed;
  });
});

describe('maxConnections through the backend', () => {
  it('refuses a value that is not a positive integer, naming it', () => {
    expect(() => createOpenAICompatibleBackend({ name: 'compat', baseURL: 'http://127.0.0.1:1/v1', maxConnections: 0 })).toThrow(ConfigurationError);
    expect(() => createOpenAICompatibleBackend({ name: 'compat', baseURL: 'http://127.0.0.1:1/v1', maxConnections: 2.5 })).toThrow(/maxConnections/);
  });

  it('streams through the built-in fetch and through a caller’s fetch alike, and an abort stays an abort', async () => {
    const simulator = await startSimulator();
    try {
      const builtIn = createOpenAICompatibleBackend({ name: 'compat', baseURL: simulator.baseURL('openai'), apiKey: 'sk-test', maxConnections: 1 });
      const given = createOpenAICompatibleBackend({
        name: 'compat',
        baseURL: simulator.baseURL('openai'),
        apiKey: 'sk-test',
        fetch: (input, init) => globalThis.fetch(input, init),
      });
      const [a, b] = await Promise.all([builtIn.stream(messages, { model: 'sim/a' }).collect(), builtIn.stream(messages, { model: 'sim/a' }).collect()]);
      const c = await given.stream(messages, { model: 'sim/a' }).collect();
      expect(a.text).not.toBe('');
      expect([b.text, c.text]).toEqual([a.text, a.text]);
      const controller = new AbortController();
      controller.abort();
      await expect(builtIn.stream(messages, { model: 'sim/a', signal: controller.signal }).collect()).rejects.toSatisfy(AbortedError.isInstance);
    } finally {
      await simulator.close();
    }
  });
});
