import type { Agent, ClientRequest } from 'node:http';

/**
 * Requests that wait for a connection to one server at most, by default: past it, a request is refused at once.
 * Just above core's limiter default queue (1,000), so a router's limiter in front refuses first, with its own error.
 */
export const defaultMaxQueuedRequests = 1_024;

/** The built-in fetch's bounds, per backend and server. */
export interface ConnectionLimits {
  /** Connections to a server at most. */
  maxConnections: number;
  /** Requests waiting for one of those connections at most. */
  maxQueuedRequests: number;
}

/** A request refused before anything was written: `maxQueuedRequests` were already waiting for a connection. */
export class ConnectionQueueFullError extends Error {
  readonly limits: ConnectionLimits;

  constructor(limits: ConnectionLimits) {
    super(`${limits.maxQueuedRequests} requests already wait for one of the ${limits.maxConnections} connections (maxQueuedRequests)`);
    this.name = 'ConnectionQueueFullError';
    this.limits = limits;
  }
}

/**
 * Counts the requests waiting in an agent's queue for a connection, per server, to refuse one past the bound.
 * Its own count, not the agent's `requests` lists: an aborted request stays in those until a connection frees.
 */
export class WaitingRequests {
  readonly #limits: ConnectionLimits;
  readonly #waiting = new Map<string, number>();

  constructor(limits: ConnectionLimits) {
    this.#limits = limits;
  }

  /** The error to refuse a request with, before it is created, when the server's queue is full. */
  refusal(origin: string): ConnectionQueueFullError | undefined {
    return (this.#waiting.get(origin) ?? 0) >= this.#limits.maxQueuedRequests ? new ConnectionQueueFullError(this.#limits) : undefined;
  }

  /** After the request was created: when the agent queued it, counts it until the returned function is called (once or more). */
  enter(origin: string, agent: Agent, request: ClientRequest): (() => void) | undefined {
    if (!isQueued(agent, request)) return undefined;
    this.#waiting.set(origin, (this.#waiting.get(origin) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const count = this.#waiting.get(origin)! - 1;
      if (count === 0) this.#waiting.delete(origin);
      else this.#waiting.set(origin, count);
    };
  }
}

/** Whether the agent put the request in its queue (it adds it there, synchronously, when every connection is busy). */
function isQueued(agent: Agent, request: ClientRequest): boolean {
  for (const name in agent.requests) if (agent.requests[name]?.at(-1) === request) return true;
  return false;
}
