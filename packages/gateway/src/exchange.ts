/**
 * What the gateway needs from a request and gives back as a reply, apart
 * from any HTTP layer: the fetch handler and the Node server each translate
 * their own types to these, so the Node server skips building a `Request`
 * and a `Response` per call.
 */
export interface Inbound {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** A header's value (names in lower case), or null. */
  header(name: string): string | null;
  /** The body as text. Rejects with a 413 GatewayError once it passes `limit` bytes. */
  text(limit: number): Promise<string>;
  /** Fires when the client goes away. */
  readonly signal: AbortSignal;
}

/** SSE events, pulled one at a time so a slow reader slows the upstream read. Never rejects: failures become events. */
export interface EventSource {
  /** The next event's text, or undefined at the end. */
  next(): Promise<string | undefined>;
  /** The client left: stop the upstream call and free what it holds. */
  cancel(): void;
}

export type Reply =
  | { status: number; headers: Record<string, string>; body: string }
  | { status: number; headers: Record<string, string>; events: EventSource };

export const jsonHeaders = 'application/json';
export const sseHeaders = 'text/event-stream; charset=utf-8';
