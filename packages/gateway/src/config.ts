import { ConfigurationError, type LLMClient } from '@router/core';
import type { BudgetStore } from '@router/core/reliability';
import type { ModelPrice } from './budget.ts';
import { keyProblems, type GatewayKey, type KeyStore } from './keys.ts';
import type { RequestLogEntry } from './log.ts';

/** What `createGateway` and a `router-gateway` config module take. Every field but `router` is optional. */
export interface GatewayConfig {
  /** What serves the calls: a router from `createRouter`, or any LLMClient. */
  router: LLMClient;
  /** Model ids `GET /v1/models` lists (a router routes by rules and cannot list them itself). Default: none. */
  models?: readonly string[];
  /** Keys clients must present (`Authorization: Bearer <key>`). Default: none, and then no key is asked for. */
  keys?: readonly GatewayKey[];
  /**
   * Where keys' `maxConcurrent` and `requestsPerMinute` (and, when it has `budgets`, `budget`) are counted: a
   * store several gateway instances share (e.g. `createRedisStore()` from `@router/redis`), so each limit holds
   * across all of them together, and its failure policy applies when it is down (budgets: a 503). Default: none,
   * and each instance counts in its own memory.
   */
  keyStore?: KeyStore;
  /** Prices per model id (`'*'` for any other), for key budgets where a backend reports no `usage.cost`. Default: none. */
  prices?: Readonly<Record<string, ModelPrice>>;
  /** Output tokens a budget reserves for a call that sets no `max_tokens`. Default 4096. */
  reserveOutputTokens?: number;
  /** Largest request body in bytes; larger ones get a 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Calls (streams until they end) open at once across every key; more get a 503 with `Retry-After`. Default 256. */
  maxInFlight?: number;
  /**
   * End-to-end budget of one call in milliseconds, passed to the router as `timeoutMs` (which then wins over
   * the route's own). Default: none, so the router's budgets apply (its routes' `timeoutMs`, else core's finite defaults).
   */
  callTimeoutMs?: number;
  /** Serve `GET /metrics` (Prometheus text; asks for a key when `keys` are set). Default true. */
  metrics?: boolean;
  /** Serve the status page at `GET /` (and its part at `/status.html`). Default: true without `keys`, false with them. */
  statusPage?: boolean;
  /** How often the status page refreshes itself, in milliseconds. Default 2000. */
  statusRefreshMs?: number;
  /** Where the one log line per request goes; `false` for none. Default: a JSON line on standard output. */
  log?: false | ((entry: RequestLogEntry) => void);
  /** Let `serve` and the CLI bind beyond loopback without `keys`. Default false. */
  allowUnauthenticated?: boolean;
  /** Node server limits for `serve` and the CLI (flags override `port` and `host`). */
  server?: ServerSettings;
  /** Run by the CLI after it has drained, e.g. to close a simulator the config started. */
  close?: () => void | Promise<void>;
}

/** Limits of the Node server (`serve`). Each has a safe default. */
export interface ServerSettings {
  /** Default 4000 (0 picks a free port). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Open connections at once; more are refused. Default 1024. */
  maxConnections?: number;
  /** Time allowed to receive a request's headers (slow clients, slowloris). Default 10000 ms. */
  headersTimeoutMs?: number;
  /** Time allowed to receive a whole request, body included. Default 30000 ms. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this long. Default 5000 ms. */
  keepAliveTimeoutMs?: number;
  /** Largest request head (all headers). Default 16384 bytes. */
  maxHeaderBytes?: number;
  /** On close (SIGTERM), how long open requests and streams may take to finish before their connections are cut. Default 30000 ms. */
  drainTimeoutMs?: number;
}

export const gatewayDefaults: {
  readonly maxBodyBytes: number;
  readonly maxInFlight: number;
  readonly reserveOutputTokens: number;
  readonly statusRefreshMs: number;
} = {
  statusRefreshMs: 2000,
  reserveOutputTokens: 4096,
  maxBodyBytes: 1024 * 1024,
  maxInFlight: 256,
};

export const serverDefaults: Readonly<Required<ServerSettings>> = {
  port: 4000,
  host: '127.0.0.1',
  maxConnections: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16_384,
  drainTimeoutMs: 30_000,
};

/** Returns its argument: the typed default export of a `router-gateway` config module. */
export function defineGateway(config: GatewayConfig): GatewayConfig {
  return config;
}

const isClient = (value: unknown): value is LLMClient =>
  typeof value === 'object' &&
  value !== null &&
  ['generate', 'stream', 'embed'].every((method) => typeof (value as Record<string, unknown>)[method] === 'function');

const isKeyStore = (value: unknown): value is KeyStore => {
  const store = value as Partial<KeyStore> | null;
  return typeof store === 'object' && store !== null && typeof store.take === 'function' && typeof store.give === 'function' && typeof store.rates?.take === 'function';
};

const isBudgetStore = (value: unknown): value is BudgetStore => {
  const store = value as Partial<BudgetStore> | null;
  return typeof store === 'object' && store !== null && typeof store.reserve === 'function' && typeof store.settle === 'function';
};

function positiveInteger(value: unknown, field: string, problems: string[]): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) problems.push(`${field} must be a positive integer.`);
}

/** Every problem with a gateway config, at once. */
export function checkGatewayConfig(config: GatewayConfig): void {
  if (config === null || typeof config !== 'object') throw new ConfigurationError(['the gateway config must be an object with a `router`.']);
  const problems: string[] = [];
  if (!isClient(config.router)) problems.push('router must be an LLMClient (a router from createRouter, or a backend).');
  if (config.models !== undefined && !(Array.isArray(config.models) && config.models.every((m) => typeof m === 'string' && m !== ''))) {
    problems.push('models must be an array of model id strings.');
  }
  problems.push(...keyProblems(config.keys));
  if (config.keyStore !== undefined && !isKeyStore(config.keyStore)) {
    problems.push('keyStore must be a shared store with take, give and rates (a RateStore), e.g. createRedisStore() from @router/redis.');
  } else if (config.keyStore?.budgets !== undefined && !isBudgetStore(config.keyStore.budgets)) {
    problems.push('keyStore.budgets must be a BudgetStore with reserve and settle, e.g. the budgets of createRedisStore() from @router/redis.');
  }
  positiveInteger(config.maxBodyBytes, 'maxBodyBytes', problems);
  positiveInteger(config.reserveOutputTokens, 'reserveOutputTokens', problems);
  positiveInteger(config.statusRefreshMs, 'statusRefreshMs', problems);
  if (config.statusPage !== undefined && typeof config.statusPage !== 'boolean') problems.push('statusPage must be a boolean.');
  for (const [model, price] of Object.entries(config.prices ?? {})) {
    const valid = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value >= 0;
    if (!valid(price?.inputPerMillion) || !valid(price?.outputPerMillion)) problems.push(`prices["${model}"] needs inputPerMillion and outputPerMillion, numbers >= 0.`);
  }
  positiveInteger(config.maxInFlight, 'maxInFlight', problems);
  positiveInteger(config.callTimeoutMs, 'callTimeoutMs', problems);
  if (config.log !== undefined && config.log !== false && typeof config.log !== 'function') problems.push('log must be false or a function.');
  if (config.metrics !== undefined && typeof config.metrics !== 'boolean') problems.push('metrics must be a boolean.');
  problems.push(...serverProblems(config.server ?? {}, 'server'));
  if (problems.length > 0) throw new ConfigurationError(problems);
}

export function serverProblems(settings: ServerSettings, at: string): string[] {
  const problems: string[] = [];
  const { port, host } = settings;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) problems.push(`${at}.port must be a port number from 0 to 65535.`);
  if (host !== undefined && (typeof host !== 'string' || host === '')) problems.push(`${at}.host must be a host name or address.`);
  for (const field of ['maxConnections', 'headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs', 'maxHeaderBytes', 'drainTimeoutMs'] as const) {
    positiveInteger(settings[field], `${at}.${field}`, problems);
  }
  return problems;
}
