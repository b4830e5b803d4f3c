import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '@router/core';
import { serverDefaults, serverProblems, type ServerSettings } from './config.ts';
import { GatewayError } from './errors.ts';
import type { Inbound, Reply } from './exchange.ts';
import { tooLarge } from './fetch.ts';
import { inboundHandlers, type Gateway } from './gateway.ts';

/** `serve`'s options: the server limits, and whether to bind beyond loopback without keys. */
export interface ServeOptions extends ServerSettings {
  /** Bind beyond loopback even though the gateway asks for no key. Default: the gateway config's `allowUnauthenticated`, else false. */
  allowUnauthenticated?: boolean;
}

/** A running gateway server. */
export interface GatewayServer {
  /** `http://HOST:PORT`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The Node server, for anything `serve` does not cover. */
  readonly server: Server;
  /**
   * Stops accepting connections, lets open requests and streams finish for up
   * to `drainTimeoutMs`, then cuts what is left. Resolves with how many were cut.
   */
  close(): Promise<{ cut: number }>;
}

const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost|\[::1\])$/i;

/** Whether `host` keeps the server on this machine. */
export function isLoopback(host: string): boolean {
  return loopback.test(host);
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  if (value === undefined) return null;
  return typeof value === 'string' ? value : value.join(', ');
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** The request as the gateway reads it; its signal fires when the client goes away before the response is done. */
function inboundFrom(req: IncomingMessage, res: ServerResponse): Inbound {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new GatewayError(499, 'invalid_request_error', 'The client closed the connection.'));
  });
  return {
    method: req.method ?? 'GET',
    path: query < 0 ? url : url.slice(0, query),
    header: (name) => header(req, name),
    text: (limit) => readBody(req, limit),
    signal: controller.signal,
  };
}

/** Resolves when the socket can take more, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Writes a reply. A stream's next event is read only once the socket took the last one. */
async function writeReply(reply: Reply, res: ServerResponse, draining: boolean): Promise<void> {
  // A refused body was left unread on the socket: that connection cannot carry another request.
  if (draining || reply.status === 413) reply.headers.connection = 'close';
  if ('body' in reply) {
    reply.headers['content-length'] = String(Buffer.byteLength(reply.body));
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
    return;
  }
  const { events } = reply;
  res.writeHead(reply.status, reply.headers);
  const gone = (): void => events.cancel();
  res.once('close', gone);
  for (;;) {
    const event = await events.next();
    if (event === undefined || res.destroyed) break;
    if (!res.write(event)) await drained(res);
  }
  res.off('close', gone);
  if (res.destroyed) events.cancel();
  else res.end();
}

/**
 * Serves a gateway on Node's `node:http`, with bounded connections, header and
 * request timeouts, and a draining `close`. Without keys it binds only to
 * loopback unless told otherwise.
 */
export async function serve(gateway: Gateway, options: ServeOptions = {}): Promise<GatewayServer> {
  const settings = { ...serverDefaults, ...gateway.server, ...definedOnly(options) };
  const problems = serverProblems(settings, 'serve');
  const allowUnauthenticated = options.allowUnauthenticated ?? gateway.allowUnauthenticated;
  if (!gateway.requiresKey && !isLoopback(settings.host) && !allowUnauthenticated) {
    problems.push(`host ${settings.host} is reachable beyond this machine, and the gateway has no keys: configure keys, or set allowUnauthenticated.`);
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  const handle = inboundHandlers.get(gateway);
  if (handle === undefined) throw new ConfigurationError(['serve takes a gateway made by createGateway.']);

  // Imported here, not at the top: hosts without `node:http` (Workers-style ones) can then load the package for its fetch handler.
  const { createServer } = await import('node:http');
  let draining = false;
  const open = new Set<ServerResponse>();
  let onIdle: (() => void) | undefined;
  const server = createServer(
    {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      maxHeaderSize: settings.maxHeaderBytes,
      // TCP keep-alive probes find clients that vanished without closing (half-open), even on a silent stream.
      keepAlive: true,
      keepAliveInitialDelay: 60_000,
      // Node checks the two timeouts above only this often (30 s by default): often enough that they hold.
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs) / 4))),
    },
    (req, res) => {
      open.add(res);
      res.once('close', () => {
        open.delete(res);
        if (open.size === 0) onIdle?.();
      });
      handle(inboundFrom(req, res))
        .then((reply) => writeReply(reply, res, draining))
        .catch((error: unknown) => {
          // The gateway turns every failure into a reply; reaching here means the socket broke mid-write.
          if (!res.headersSent) res.writeHead(500).end();
          else res.destroy(error instanceof Error ? error : undefined);
        });
    },
  );
  server.maxConnections = settings.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = settings.host.includes(':') && !settings.host.startsWith('[') ? `[${settings.host}]` : settings.host;

  let closing: Promise<{ cut: number }> | undefined;
  const close = (): Promise<{ cut: number }> => {
    closing ??= (async () => {
      draining = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<void>((resolve) => {
        if (open.size === 0) resolve();
        else onIdle = resolve;
      });
      const expired = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, settings.drainTimeoutMs);
      });
      await Promise.race([idle, expired]);
      clearTimeout(timer);
      const cut = open.size;
      server.closeAllConnections();
      await stopped;
      return { cut };
    })();
    return closing;
  };
  return { url: `http://${urlHost}:${port}`, port, host: settings.host, server, close };
}

function definedOnly(options: ServeOptions): ServerSettings {
  return Object.fromEntries(Object.entries(options).filter(([key, value]) => value !== undefined && key !== 'allowUnauthenticated'));
}
