import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { defaultMaxQueuedRequests, WaitingRequests, type ConnectionLimits } from './connection-queue.ts';
import type { FetchFunction } from './settings.ts';

/** Connections kept to one server at most, by default: past it, requests wait for a free one. */
export const defaultMaxConnections = 256;

/** Statuses whose response has no body (a `Response` refuses one). */
const nullBodyStatuses: ReadonlySet<number> = new Set([101, 204, 205, 304]);

/** A response body as this fetch received it, for readers that take bytes straight from the socket. */
export interface RawBody {
  /** The body's bytes, already decompressed. */
  stream: Readable;
  /** The request's signal: once it has fired, an error of the body is that abort, not a failure. */
  signal: AbortSignal | undefined;
}

const rawBodies = new WeakMap<Response, RawBody>();

/**
 * The node stream behind a response from `httpFetch`, when nothing has read
 * its web body yet; afterwards (or for another fetch's response) undefined,
 * and the web body is the one to read.
 */
export function takeRawBody(response: Response): RawBody | undefined {
  const raw = rawBodies.get(response);
  if (raw === undefined) return undefined;
  rawBodies.delete(response);
  return response.bodyUsed || response.body?.locked ? undefined : raw;
}

/**
 * A `fetch` on `node:http`, for the `openai` SDK: one keep-alive agent per
 * backend with at most `maxConnections` sockets to a server, and at most
 * `maxQueuedRequests` requests waiting for one (more are refused with a
 * `ConnectionQueueFullError` before anything is written). Node's global
 * fetch spends much of a small call's CPU on its own objects (a `Request`,
 * `Headers` lists, web streams per body, an abort signal chain), and the
 * garbage they leave; here a request is a `node:http` request, and a
 * streamed body is read from the socket's stream without web streams (see
 * `takeRawBody`). The `Response` it returns is a real one: its web body is
 * built only when something reads it (the SDK's error path, a non-streamed
 * answer). A body that is not a string or bytes (an upload) goes to the
 * global fetch.
 */
export function httpFetch(limits: Partial<ConnectionLimits> = {}): FetchFunction {
  const bounds: ConnectionLimits = {
    maxConnections: limits.maxConnections ?? defaultMaxConnections,
    maxQueuedRequests: limits.maxQueuedRequests ?? defaultMaxQueuedRequests,
  };
  const agentOptions = { keepAlive: true, maxSockets: bounds.maxConnections, maxFreeSockets: bounds.maxConnections, ...envProxy() };
  const queue = new WaitingRequests(bounds);
  let http: HttpAgent | undefined;
  let https: HttpsAgent | undefined;
  const agentFor = (url: URL): HttpAgent => (url.protocol === 'https:' ? (https ??= new HttpsAgent(agentOptions)) : (http ??= new HttpAgent(agentOptions)));
  return async (input, init = {}) => {
    const first = init.body;
    if (input instanceof Request || (first != null && typeof first !== 'string' && !(first instanceof Uint8Array))) return globalThis.fetch(input, init);
    const signal = init.signal ?? undefined;
    let url = typeof input === 'string' ? new URL(input) : input;
    let method = init.method ?? 'GET';
    let body = first as string | Uint8Array | null | undefined;
    const headers = outgoingHeaders(init.headers);
    for (let redirects = 0; ; redirects++) {
      if (body != null && headers['content-length'] === undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
      const message = await exchange(url, method, headers, body, agentFor(url), queue, signal);
      const location = redirectStatuses.has(message.statusCode!) ? message.headers.location : undefined;
      if (location === undefined || init.redirect === 'manual') return toResponse(message, signal);
      message.resume();
      const next = new URL(location, url);
      if (init.redirect === 'error' || redirects === maxRedirects || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
        throw new TypeError('fetch failed', { cause: new Error(`redirect to ${next.origin} not followed`) });
      }
      // As fetch does: 303, and 301 or 302 after a POST, go on as a GET without the body.
      if (message.statusCode === 303 ? method !== 'HEAD' : (message.statusCode === 301 || message.statusCode === 302) && method === 'POST') {
        method = 'GET';
        body = undefined;
        for (const name of bodyHeaders) delete headers[name];
      }
      // Credentials stay with the origin they were meant for.
      if (next.origin !== url.origin) for (const name of credentialHeaders) delete headers[name];
      url = next;
    }
  };
}

/**
 * Proxies from the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`) when Node is told to use them
 * (`NODE_USE_ENV_PROXY=1` or `--use-env-proxy`), as Node's global fetch and agents then do: the agents'
 * own proxy support (Node 22.21 and 24.5 on), read when the agent is made.
 */
function envProxy(): { proxyEnv?: NodeJS.ProcessEnv } {
  return process.env.NODE_USE_ENV_PROXY === '1' || process.execArgv.includes('--use-env-proxy') ? { proxyEnv: process.env } : {};
}

const redirectStatuses: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Fetch's own limit. */
const maxRedirects = 20;
const bodyHeaders = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];
const credentialHeaders = ['authorization', 'proxy-authorization', 'cookie'];

/** Socket errors that mean a kept-alive connection was already closed by the server when it was reused. */
const staleSocketCodes: ReadonlySet<string | undefined> = new Set(['ECONNRESET', 'EPIPE']);

/**
 * One request; resolves at the response's headers. The signal keeps watching the body until it closes.
 * A request that fails on a reused keep-alive connection before any answer is sent once more, on
 * another: the server closed that connection as it went idle (its keep-alive timeout), so the request
 * never reached it (Node's documentation advises exactly this). A fresh connection's failure is final.
 */
function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | null | undefined,
  agent: HttpAgent,
  queue: WaitingRequests,
  signal: AbortSignal | undefined,
  retryStale = true,
): Promise<IncomingMessage> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const origin = url.origin;
  const refused = queue.refusal(origin);
  if (refused) return Promise.reject(refused);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent });
    const leaveQueue = queue.enter(origin, agent, req);
    if (leaveQueue !== undefined) req.once('socket', leaveQueue);
    let message: IncomingMessage | undefined;
    const onAbort = (): void => {
      const reason = abortReason(signal!) as Error;
      // Before the headers the promise rejects; after them the body errors, as with Node's fetch.
      req.destroy(reason);
      message?.destroy(reason);
      // A request destroyed in the agent's queue hears of it only when a connection frees: it leaves now.
      if (message === undefined) {
        leaveQueue?.();
        reject(reason);
      }
    };
    const stopWatching = (): void => signal?.removeEventListener('abort', onAbort);
    signal?.addEventListener('abort', onAbort, { once: true });
    // `on`, not `once`: a socket may report more than one error, and an unheard one would crash the process.
    req.on('error', (error: NodeJS.ErrnoException) => {
      stopWatching();
      leaveQueue?.();
      if (signal?.aborted) reject(abortReason(signal));
      else if (message === undefined && retryStale && req.reusedSocket && staleSocketCodes.has(error.code)) {
        resolve(exchange(url, method, headers, body, agent, queue, signal, false));
      } else reject(error);
    });
    req.once('response', (incoming) => {
      message = incoming;
      incoming.once('close', stopWatching);
      resolve(incoming);
    });
    req.end(body ?? undefined);
  });
}

/** The SDK hands a `Headers`; a caller may hand a record or pairs. */
function outgoingHeaders(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  if (headers instanceof Headers) headers.forEach((value, name) => (out[name] = value));
  else if (Array.isArray(headers)) for (const [name, value] of headers) out[name!.toLowerCase()] = value!;
  else for (const name of Object.keys(headers)) out[name.toLowerCase()] = (headers as Record<string, string>)[name]!;
  return out;
}

function toResponse(message: IncomingMessage, signal: AbortSignal | undefined): Response {
  try {
    return bodyResponse(message, signal);
  } catch (error) {
    // A status a `Response` refuses (outside 200–599): the body is not wanted.
    message.destroy();
    throw error;
  }
}

function bodyResponse(message: IncomingMessage, signal: AbortSignal | undefined): Response {
  const status = message.statusCode ?? 502;
  const headers = new Headers();
  const raw = message.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  if (nullBodyStatuses.has(status)) {
    message.resume();
    return new Response(null, { status, statusText: message.statusMessage ?? '', headers });
  }
  const stream = decoded(message, headers.get('content-encoding'));
  // An abort destroys the body with an error; whoever reads it hears of it, and an unread body must not crash the process.
  stream.on('error', ignore);
  const response = new Response(lazyWebBody(stream), { status, statusText: message.statusMessage ?? '', headers });
  rawBodies.set(response, { stream, signal });
  return response;
}

/** The body's bytes, decompressed as Node's fetch would (this fetch asks for no encoding, but a server may send one). */
function decoded(message: IncomingMessage, encoding: string | null): Readable {
  const codec = encoding?.trim().toLowerCase();
  const decoder = codec === 'gzip' || codec === 'x-gzip' ? createGunzip() : codec === 'deflate' ? createInflate() : codec === 'br' ? createBrotliDecompress() : undefined;
  if (decoder === undefined) return message;
  message.on('error', (error) => decoder.destroy(error));
  decoder.once('close', () => message.destroy());
  return message.pipe(decoder);
}

/** A web stream over the node stream, attached at the first read only, so a reader of the node stream pays nothing for it. */
function lazyWebBody(stream: Readable): ReadableStream<Uint8Array> {
  let attached = false;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!attached) {
          attached = true;
          stream.on('data', (chunk: Buffer) => {
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            if ((controller.desiredSize ?? 0) <= 0) stream.pause();
          });
          stream.once('end', () => controller.close());
          stream.once('error', (error) => controller.error(error));
        }
        stream.resume();
      },
      cancel(reason) {
        stream.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    // Nothing is pulled before a read: a high-water mark above 0 would start reading at construction.
    { highWaterMark: 0 },
  );
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function ignore(): void {}
