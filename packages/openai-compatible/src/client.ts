import { ConfigurationError } from '@router/core';
import OpenAI from 'openai';
import type { ConnectionLimits } from './connection-queue.ts';
import { httpFetch } from './http-fetch.ts';
import type { FetchFunction } from './settings.ts';

/** setTimeout's ceiling; larger values overflow to an immediate timeout. */
const maxTimerMs = 2_147_483_647;
/** Core's deadline aborts the request itself; the SDK's own timer only backs it up, a little later. */
const sdkTimerGraceMs = 1_000;

export interface ClientSource {
  name: string;
  baseURL: string | (() => string);
  apiKey?: string | (() => string | undefined);
  headers?: Record<string, string>;
  fetch?: FetchFunction;
  /** The built-in fetch's connections and queue per server (not used with `fetch`). */
  connectionLimits: ConnectionLimits;
}

export interface LazyClient {
  /** The SDK client, built at the first request (when lazy settings are read). */
  get(): OpenAI;
  /** The base URL in use, without credentials or query, for messages; undefined before the first request. */
  readonly displayURL: string | undefined;
}

/** Checks a base URL; returns the problem, or undefined when it is usable. */
export function baseURLProblem(name: string, baseURL: string): string | undefined {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return `${name}: baseURL ${JSON.stringify(baseURL)} is not a valid URL (expected e.g. http://localhost:8000/v1).`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `${name}: baseURL ${JSON.stringify(baseURL)} must use http or https (expected e.g. http://localhost:8000/v1).`;
  }
  return undefined;
}

/** Origin and path only: user info and query strings may hold secrets. */
export function displayURL(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    return `${url.origin}${url.pathname.replace(/\/$/, '')}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Per-request SDK timeout: core's deadline, or just past it when core's own
 * signal aborts the request (the SDK's timer then only backs it up).
 */
export function sdkTimeout(remainingMs: number, backup: boolean): number {
  if (!Number.isFinite(remainingMs)) return maxTimerMs;
  return Math.min(maxTimerMs, Math.ceil(remainingMs) + (backup ? sdkTimerGraceMs : 0));
}

/**
 * The `openai` SDK client, created on first use so settings read from the
 * environment are read at the first call, never at import or construction.
 */
export function lazyClient(source: ClientSource): LazyClient {
  let client: OpenAI | undefined;
  let shownURL: string | undefined;
  return {
    get displayURL() {
      return shownURL;
    },
    get() {
      if (client) return client;
      const baseURL = typeof source.baseURL === 'function' ? source.baseURL() : source.baseURL;
      const problem = baseURLProblem(source.name, baseURL);
      if (problem) throw new ConfigurationError([problem]);
      const apiKey = typeof source.apiKey === 'function' ? source.apiKey() : source.apiKey;
      client = new OpenAI({
        baseURL,
        // The SDK insists on a key; a keyless server gets no Authorization header at all (nulled below).
        apiKey: apiKey || 'no-key',
        // Core owns retries and deadlines.
        maxRetries: 0,
        timeout: maxTimerMs,
        // Never let OpenAI's own environment variables leak to another service.
        organization: null,
        project: null,
        adminAPIKey: null,
        webhookSecret: null,
        // Every failure reaches the caller as a typed error; the SDK's console output would only repeat it.
        logLevel: 'off',
        defaultHeaders: { ...(apiKey ? {} : { Authorization: null }), ...source.headers },
        fetch: source.fetch ?? httpFetch(source.connectionLimits),
      });
      shownURL = displayURL(baseURL);
      return client;
    },
  };
}
