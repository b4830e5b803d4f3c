import { createClient, ErrorReply } from '@redis/client';
import { createHash } from 'node:crypto';
import { Deadlines } from './deadlines.ts';

/** What the store reports about its connection. */
export type RedisStoreEvent =
  /** A Redis call failed or timed out; calls go to the failure policy until Redis answers again. */
  | { type: 'redis-down'; error: unknown }
  /** Redis answered again after being down. */
  | { type: 'redis-up' };

export interface LinkOptions {
  url: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  retryAfterMs: number;
  onEvent: ((event: RedisStoreEvent) => void) | undefined;
}

/** Runs on every reconnection (not the first connection), before any other command goes out on it. */
export type ReconnectListener = () => void;

/** A Lua script, sent once by its text and then by its SHA1. */
export interface Script {
  readonly source: string;
  readonly sha: string;
  readonly keys: number;
}

export function script(source: string, keys: number): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex'), keys };
}

type Client = ReturnType<typeof createClient>;

/**
 * One command connection and one subscriber connection to Redis. Every call
 * is bounded by the command timeout, reply included (the first one also by
 * the connect timeout) and fails at once while the connection is down (no offline
 * queue), so nothing waits on Redis longer than that. After a
 * failure, calls fail fast for `retryAfterMs` instead of each paying the
 * timeout against a slow Redis; the next call after that tries again.
 */
export class RedisLink {
  readonly #options: LinkOptions;
  readonly #client: Client;
  readonly #deadlines: Deadlines;
  #subscriber: Client | undefined;
  #connecting: Promise<void> | undefined;
  #connected = false;
  #downUntil = 0;
  #down = false;
  #lastError: unknown;
  #connections = 0;
  /** Scripts sent by their text on this connection: Redis has them (unless flushed), so their SHA1 is enough. */
  #loaded = new Set<Script>();
  #onReconnect: ReconnectListener | undefined;

  constructor(options: LinkOptions) {
    this.#options = options;
    this.#deadlines = new Deadlines(options.commandTimeoutMs);
    this.#client = createClient({
      url: options.url,
      disableOfflineQueue: true,
      // node-redis arms a 5 s AbortSignal.timeout per command by default, cleared once the command is written;
      // `Deadlines` already bounds every call, reply included, so that one would only cost (0 turns it off).
      commandOptions: { timeout: 0 },
      socket: { connectTimeout: options.connectTimeoutMs, reconnectStrategy },
    });
    // The client reports socket errors as events; calls fail on their own, so these only feed the error we report.
    this.#client.on('error', (error: unknown) => {
      this.#lastError = error;
    });
    this.#client.on('ready', () => {
      // Back: no need to wait out the rest of `retryAfterMs`.
      this.#downUntil = 0;
      // Perhaps a Redis restarted empty: each script's first call on this connection sends its text.
      this.#loaded = new Set();
      if (++this.#connections > 1) this.#onReconnect?.();
    });
  }

  /** A reconnection may be to a Redis that lost its data (restarted without persistence): the store restores its part first. */
  onReconnect(listener: ReconnectListener): void {
    this.#onReconnect = listener;
  }

  /**
   * Runs a script, or throws (the Redis error, a timeout, or the last error
   * while Redis is deemed down; `always` tries even then).
   */
  async run(script: Script, keys: readonly string[], args: readonly (string | number)[], always = false): Promise<unknown> {
    if (!always && performance.now() < this.#downUntil) throw this.#lastError ?? new Error('Redis is unavailable');
    try {
      if (!this.#connected) await this.#connect();
      const reply = await this.#deadlines.bound(this.#send(script, keys, args));
      if (this.#down) {
        this.#down = false;
        this.#options.onEvent?.({ type: 'redis-up' });
      }
      return reply;
    } catch (error) {
      this.#lastError = error;
      this.#downUntil = performance.now() + this.#options.retryAfterMs;
      if (!this.#down) {
        this.#down = true;
        this.#options.onEvent?.({ type: 'redis-down', error });
      }
      throw error;
    }
  }

  /**
   * By its text the first time on a connection (which loads it), then by its
   * SHA1 (a short command): one round trip either way. A Redis that forgot it
   * anyway (SCRIPT FLUSH) answers NOSCRIPT, and the text follows.
   */
  async #send(script: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const tail = [String(script.keys), ...keys, ...args.map(String)];
    const loaded = this.#loaded;
    if (!loaded.has(script)) {
      const reply = await this.#client.sendCommand(['EVAL', script.source, ...tail]);
      loaded.add(script);
      return reply;
    }
    try {
      return await this.#client.sendCommand(['EVALSHA', script.sha, ...tail]);
    } catch (error) {
      if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error;
      return await this.#client.sendCommand(['EVAL', script.source, ...tail]);
    }
  }

  /** Whether the last call reached Redis. */
  get up(): boolean {
    return !this.#down;
  }

  /**
   * Subscribes to a channel on the subscriber connection (made on first use;
   * it subscribes again by itself after a reconnect). Best effort: a lost
   * message costs a waiter one poll interval, not correctness.
   */
  subscribe(channel: string, listener: (message: string) => void): void {
    const subscriber = this.#subscriberClient();
    subscriber.subscribe(channel, listener).catch(() => undefined);
  }

  unsubscribe(channel: string): void {
    this.#subscriber?.unsubscribe(channel).catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([this.#client, this.#subscriber].map((client) => client && closeClient(client)));
  }

  /** Calls wait for the first connection (within the timeout); once it was made, they fail fast while it is down. */
  async #connect(): Promise<void> {
    this.#connecting ??= this.#client.connect().then(
      () => {
        this.#connected = true;
      },
      (error: unknown) => {
        this.#lastError = error;
      },
    );
    if (!this.#connected) await withTimeout(this.#connecting, this.#options.connectTimeoutMs);
  }

  #subscriberClient(): Client {
    if (!this.#subscriber) {
      // Subscriptions made before the connection is up are queued, and restored after each reconnect.
      const subscriber = this.#client.duplicate({ disableOfflineQueue: false });
      subscriber.on('error', () => undefined);
      subscriber.connect().catch(() => undefined);
      this.#subscriber = subscriber;
    }
    return this.#subscriber;
  }
}

/** Tries again soon after a lost connection, then at most once a second. */
function reconnectStrategy(retries: number): number {
  return Math.min(50 * 2 ** retries, 1_000);
}

async function closeClient(client: Client): Promise<void> {
  if (client.isReady) await client.close().catch(() => client.destroy());
  else if (client.isOpen) client.destroy();
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not connect within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
