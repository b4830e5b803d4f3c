import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { LoggedRequest } from './types.ts';

/** Headers whose values are secrets: logged only as a fingerprint. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key']);

const fingerprints = new Map<string, string>();
const FINGERPRINT_CACHE_SIZE = 64;

/** `sha256:<first 8 hex digits>` of a secret, so tests can tell keys apart without seeing them. */
export function fingerprint(secret: string): string {
  let print = fingerprints.get(secret);
  if (print === undefined) {
    print = `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 8)}`;
    // A benchmark sends one key thousands of times: a tiny cache saves a hash per request.
    if (fingerprints.size >= FINGERPRINT_CACHE_SIZE) fingerprints.clear();
    fingerprints.set(secret, print);
  }
  return print;
}

/** `Bearer abc` → `Bearer sha256:…`; a value without a scheme becomes the bare fingerprint. */
export function maskCredential(value: string): string {
  const match = /^(\S+)\s+(.+)$/.exec(value.trim());
  return match ? `${match[1]} ${fingerprint(match[2] ?? '')}` : fingerprint(value);
}

/** Lower-cased request headers with secrets masked; repeated headers joined by `, `. */
export function loggableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    result[name] = SECRET_HEADERS.has(name) ? maskCredential(value) : value;
  }
  return result;
}

/**
 * The request log, bounded to the most recent `maxEntries`. Old entries are dropped in batches
 * (amortised O(1) per request), so a benchmark's thousands of requests cost no quadratic copying.
 */
export class RequestLog {
  readonly #maxEntries: number;
  #entries: LoggedRequest[] = [];

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  add(entry: LoggedRequest): void {
    if (this.#maxEntries === 0) return;
    this.#entries.push(entry);
    if (this.#entries.length >= this.#maxEntries * 2) this.#entries = this.#entries.slice(-this.#maxEntries);
  }

  /** The most recent `maxEntries`, oldest first (the live array while under the bound). */
  get entries(): readonly LoggedRequest[] {
    const all = this.#entries;
    return all.length > this.#maxEntries ? all.slice(all.length - this.#maxEntries) : all;
  }

  clear(): void {
    this.#entries = [];
  }
}
