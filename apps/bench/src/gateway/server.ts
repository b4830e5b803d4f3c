/**
 * One subject of the gateway benchmark in its own process: the bare
 * `node:http` pass-through proxy (the floor), or the gateway on one HTTP
 * layer. Prints `{"url": ...}`, then answers each `stats` line on standard
 * input with `{"cpuUs": ..., "rss": ...}` (after a full collection), and
 * exits when standard input closes.
 *
 * Usage: server.ts <proxy|gateway-node|gateway-hono> <upstream base URL> [--auth]
 */
import { openSync, writeSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { serve as honoServe } from '@hono/node-server';
import { createRouter } from '@router/core';
import { createGateway, serve, type GatewayConfig } from '@router/gateway';
import { createOpenAICompatibleBackend } from '@router/openai-compatible';
import { benchKey, type SubjectKind } from './subject.ts';

const [kind, upstream, flag] = process.argv.slice(2) as [SubjectKind, string, string | undefined];
const auth = flag === '--auth';

/** Forwards every request as bytes to the upstream origin over keep-alive connections: nothing is parsed. */
function startProxy(): Promise<string> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const server = createServer((req, res) => {
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
  });
  return listen(server);
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function gatewayConfig(): GatewayConfig {
  // As many connections to the simulator as the gateway lets calls in: the 1,000-stream memory case holds one each.
  const backend = createOpenAICompatibleBackend({ name: 'sim', baseURL: upstream, apiKey: 'bench-upstream-key', maxConnections: 4096 });
  const router = createRouter({ backends: { sim: backend }, default: 'sim', timingLog: false });
  const nullDevice = openSync('/dev/null', 'w');
  return {
    router,
    models: ['bench-short'],
    // The 1,000-stream memory case needs more than the default 256 calls open.
    maxInFlight: 4096,
    server: { maxConnections: 4096 },
    // On: a key checked on every call, metrics, and the JSON log line written (to the null device, as to a file). Off: none of them, nor the status page's record.
    ...(auth
      ? { keys: [{ key: benchKey, name: 'bench' }], log: (entry) => void writeSync(nullDevice, `${JSON.stringify(entry)}\n`) }
      : { log: false, metrics: false, statusPage: false }),
  };
}

async function start(): Promise<string> {
  if (kind === 'proxy') return startProxy();
  const gateway = createGateway(gatewayConfig());
  if (kind === 'gateway-node') return (await serve(gateway, { port: 0 })).url;
  return new Promise((resolve) => {
    honoServe({ fetch: gateway.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(`http://127.0.0.1:${info.port}`));
  });
}

process.stdout.write(`${JSON.stringify({ url: await start() })}\n`);
const gc = (globalThis as { gc?: () => void }).gc;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'stats') return;
  gc?.();
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuUs: cpu.user + cpu.system, rss: process.memoryUsage.rss() })}\n`);
});
process.stdin.on('end', () => process.exit(0));
