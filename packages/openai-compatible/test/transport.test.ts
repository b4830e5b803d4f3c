import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { AbortedError, BackendError, ConfigurationError, createRouter, StreamInterruptedError, TimeoutError } from '@router/core';
import type { Message } from '@router/core';
import { startSimulator } from '@router/testing';
import { APIError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { eventChunks } from '../src/event-chunks.ts';
import { httpFetch } from '../src/http-fetch.ts';
import { createOpenAICompatibleBackend } from '../src/index.ts';
import { EventTooLargeError, SseDecoder } from '../src/sse-decoder.ts';

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

  it('holds at most maxEventBytes of one event: a line that never ends throws, however the bytes come', () => {
    for (const piece of [1, 100, 5_000]) {
      const decoder = new SseDecoder(() => expect.unreachable('no event ends'), 1_000);
      decoder.push(Buffer.from('data: {"a":"'));
      let held = 12;
      const push = (): void => {
        for (; held <= 2_000; held += piece) decoder.push(Buffer.alloc(piece, 'x'));
      };
      expect(push, `pieces of ${piece}`).toThrow(EventTooLargeError);
      // At the piece that passes the cap, not before and not later.
      expect(held).toBeLessThanOrEqual(1_000);
      expect(held + piece).toBeGreaterThan(1_000);
    }
  });

  it('counts an event’s data lines together, starts again at each event, and lets an event up to the cap through', () => {
    const line = `data: ${'y'.repeat(293)}\n`;
    // Four data lines of 293 bytes joined: 1,175 bytes in one event.
    expect(() => decode(line.repeat(4) + '\n')).not.toThrow();
    const capped = (text: string): [string | undefined, string][] => {
      const events: [string | undefined, string][] = [];
      const decoder = new SseDecoder((name, data) => events.push([name, data]), 1_000);
      decoder.push(Buffer.from(text));
      decoder.end();
      return events;
    };
    expect(() => capped(line.repeat(4) + '\n')).toThrow(EventTooLargeError);
    // Three lines (881 bytes) fit, event after event: the cap is per event, not per stream.
    expect(capped((line.repeat(3) + '\n').repeat(50))).toHaveLength(50);
    const exact = 'z'.repeat(1_000);
    expect(capped(`data: ${exact}\n\n`)).toEqual([[undefined, exact]]);
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

  it('goes through HTTP_PROXY when Node is told to use proxies from the environment, and not otherwise', async () => {
    const target = await serve((_req, res) => res.end('from the server'));
    const proxied: string[] = [];
    // An HTTP proxy gets the whole URL as the request target and forwards it.
    const proxy = await serve(async (req, res) => {
      proxied.push(req.url!);
      res.end(await (await fetch(req.url!)).text());
    });
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { HTTP_PROXY: proxy, http_proxy: proxy, NO_PROXY: '', no_proxy: '' });
      delete process.env.NODE_USE_ENV_PROXY;
      expect(await (await httpFetch()(`${target}/direct`)).text()).toBe('from the server');
      expect(proxied).toEqual([]);
      process.env.NODE_USE_ENV_PROXY = '1';
      expect(await (await httpFetch()(`${target}/proxied`)).text()).toBe('from the server');
      expect(proxied).toEqual([`${target}/proxied`]);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
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

describe('maxEventBytes through the backend', () => {
  const event = (delta: object, finish: string | null = null): string => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

  /** A server that sends `Hello`, then one line that never ends, for as long as the connection stays open. */
  async function endlessLine(): Promise<{ url: string; closed: Promise<unknown> }> {
    let closed!: (value: unknown) => void;
    const url = await serve((_req, res) => {
      res.once('close', closed);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(event({ content: 'Hello' }));
      res.write('data: {"choices":[{"index":0,"delta":{"content":"');
      const piece = 'x'.repeat(16 * 1024);
      const pump = (): void => {
        while (!res.destroyed && res.write(piece));
      };
      res.on('drain', pump);
      pump();
    });
    return { url, closed: new Promise((resolve) => (closed = resolve)) };
  }

  it('refuses a value that is not a positive integer, naming it', () => {
    for (const maxEventBytes of [0, -1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => createOpenAICompatibleBackend({ name: 'compat', baseURL: 'http://127.0.0.1:1/v1', maxEventBytes })).toThrow(/compat: maxEventBytes must be a positive integer/);
    }
  });

  it('fails a stream whose line never ends with a retryable BackendError naming the setting, keeps the text, and closes the connection', async () => {
    const server = await endlessLine();
    const backend = createOpenAICompatibleBackend({ name: 'compat', baseURL: `${server.url}/v1`, maxEventBytes: 64 * 1024 });
    const error = await backend.stream(messages, { model: 'm' }).collect().catch((e: unknown) => e);
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    const interrupted = error as StreamInterruptedError;
    expect(interrupted.partialText).toBe('Hello');
    expect(BackendError.isInstance(interrupted.cause)).toBe(true);
    expect(interrupted.cause).toMatchObject({ backend: 'compat', isRetryable: true });
    expect((interrupted.cause as Error).message).toMatch(/larger than 65536 bytes \(maxEventBytes\)/);
    await server.closed;
  });

  it('fails before any text with the BackendError itself, through a fetch of the caller’s too', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${'{'.repeat(2_048)}`);
    });
    const backend = createOpenAICompatibleBackend({ name: 'compat', baseURL: `${url}/v1`, maxEventBytes: 1_024, fetch: (input, init) => globalThis.fetch(input, init) });
    const error = await backend.stream(messages, { model: 'm' }).collect().catch((e: unknown) => e);
    expect(BackendError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ isRetryable: true, message: expect.stringMatching(/maxEventBytes/) });
  });

  it('lets a 1 MiB event through by default: a tool call sent whole, as mlx_lm.server sends it', async () => {
    const query = 'q'.repeat(1024 * 1024);
    const call = { index: 0, id: 'call_1', type: 'function', function: { name: 'recall', arguments: JSON.stringify({ query }) } };
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${event({ role: 'assistant', tool_calls: [call] }, 'tool_calls')}data: [DONE]\n\n`);
    });
    const backend = createOpenAICompatibleBackend({ name: 'compat', baseURL: `${url}/v1` });
    const completion = await backend.stream(messages, { model: 'm', tools: [{ name: 'recall' }] }).collect();
    expect(completion.toolCalls?.[0]?.input).toEqual({ query });
  });
});

describe('maxQueuedRequests through the backend', () => {
  const answer = JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });

  /** Answers at once, except a request for model `hold`, which waits for `release()`; `arrivals` emits each request's model as it comes. */
  async function holdingServer(): Promise<{ url: string; models: string[]; arrivals: EventEmitter; release(): void }> {
    const held: ServerResponse[] = [];
    const models: string[] = [];
    const arrivals = new EventEmitter();
    const url = await serve(async (req, res) => {
      const { model } = JSON.parse(await readBody(req)) as { model: string };
      models.push(model);
      if (model === 'hold') held.push(res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
      arrivals.emit('request', model);
    });
    return { url: `${url}/v1`, models, arrivals, release: () => held.shift()!.writeHead(200, { 'content-type': 'application/json' }).end(answer) };
  }

  it('refuses a value that is not a positive integer, naming it', () => {
    for (const maxQueuedRequests of [0, 2.5, Number.NaN]) {
      expect(() => createOpenAICompatibleBackend({ name: 'compat', baseURL: 'http://127.0.0.1:1/v1', maxQueuedRequests })).toThrow(/compat: maxQueuedRequests must be a positive integer/);
    }
  });

  it('refuses a request past the queue at once, unsent, with a retryable error naming the setting; a router falls back', async () => {
    const server = await holdingServer();
    const held = createOpenAICompatibleBackend({ name: 'held', baseURL: server.url, maxConnections: 1, maxQueuedRequests: 1 });
    const spare = createOpenAICompatibleBackend({ name: 'spare', baseURL: server.url });
    const arrived = once(server.arrivals, 'request');
    const first = held.generate(messages, { model: 'hold' });
    await arrived;
    // The connection is busy: this one waits for it, and fills the queue.
    const second = held.generate(messages, { model: 'hold' });
    const refused = await held.generate(messages, { model: 'hold' }).catch((e: unknown) => e);
    expect(BackendError.isInstance(refused)).toBe(true);
    expect(refused).toMatchObject({ backend: 'held', isRetryable: true });
    expect((refused as Error).message).toMatch(/held: not sent: 1 requests already wait for one of the 1 connections to http:\/\/127\.0\.0\.1:\d+\/v1 \(maxQueuedRequests\)/);
    const router = createRouter({ backends: { held, spare }, rules: [{ prefix: 'hold', backend: 'held', fallbacks: [{ backend: 'spare', model: 'quick' }] }] });
    expect(await router.generate(messages, { model: 'hold' })).toMatchObject({ backend: 'spare', text: 'ok' });
    expect(server.models).toEqual(['hold', 'quick']);
    // The waiting request is sent when the connection frees.
    const secondArrived = once(server.arrivals, 'request');
    server.release();
    expect((await first).text).toBe('ok');
    await secondArrived;
    server.release();
    expect((await second).text).toBe('ok');
    expect(server.models).toEqual(['hold', 'quick', 'hold']);
  });

  it('gives a place back when a waiting request is aborted, times out, or is sent', async () => {
    const server = await holdingServer();
    const backend = createOpenAICompatibleBackend({ name: 'compat', baseURL: server.url, maxConnections: 1, maxQueuedRequests: 1 });
    const arrived = once(server.arrivals, 'request');
    const first = backend.generate(messages, { model: 'hold' });
    await arrived;
    const controller = new AbortController();
    const aborted = backend.generate(messages, { model: 'quick', signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(AbortedError.isInstance(await aborted)).toBe(true);
    // A caller's signal, never fired, hands the SDK core's signal, so the deadline reaches the waiting request at once.
    const timedOut = await backend.generate(messages, { model: 'quick', signal: new AbortController().signal, timeoutMs: 50 }).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(timedOut)).toBe(true);
    // Both places were given back: one request may wait again, and one more is refused.
    const waiting = backend.generate(messages, { model: 'quick' });
    await expect(backend.generate(messages, { model: 'quick' })).rejects.toThrow(/maxQueuedRequests/);
    server.release();
    expect((await first).text).toBe('ok');
    expect((await waiting).text).toBe('ok');
    // The one sent left the queue too: two more fit, one waiting behind the other.
    const holding = once(server.arrivals, 'request');
    const third = backend.generate(messages, { model: 'hold' });
    await holding;
    const fourth = backend.generate(messages, { model: 'quick' });
    server.release();
    expect([(await third).text, (await fourth).text]).toEqual(['ok', 'ok']);
    expect(server.models).toEqual(['hold', 'quick', 'hold', 'quick']);
  });
});
