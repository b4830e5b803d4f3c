import type { DialectDefinition } from './dialects/index.ts';
import type { Exchange } from './exchange.ts';
import { NO_FAULTS, type RequestFaults } from './faults.ts';
import { errorForStatus, JSON_HEADERS, TEXT_HEADERS, type HttpReply, type SimError } from './sim-error.ts';
import { splitPieces } from './split-writes.ts';
import type { Fault } from './types.ts';

/** A 200 JSON reply. */
export function jsonReply(value: unknown, headers?: Record<string, string>): HttpReply {
  return { status: 200, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(value) };
}

/**
 * Sends a complete (non-streaming) reply, applying the body faults: a stall after the headers,
 * writes in tiny pieces, or half the body then a closed connection (`close-mid-stream`).
 */
export async function sendReply(exchange: Exchange, reply: HttpReply, faults: Readonly<RequestFaults> = NO_FAULTS): Promise<void> {
  if (exchange.closed) return;
  const res = exchange.res;
  const bytes = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(bytes.length), 'x-request-id': exchange.entry.id });
  const bodyDelay = faults.stallBeforeFirstChunkMs + (faults.stallBetweenChunks?.ms ?? 0);
  if (bodyDelay > 0) {
    res.flushHeaders();
    if (!(await exchange.wait(bodyDelay))) return;
  }
  const truncate = faults.interruption?.fault.kind === 'close-mid-stream';
  const body = truncate ? bytes.subarray(0, bytes.length >> 1) : bytes;
  if (faults.splitWrites) {
    for (const piece of splitPieces(body)) {
      if (!(await exchange.write(piece)) || !(await exchange.nextTurn())) return;
    }
  } else if (body.length > 0 && !(await exchange.write(body))) {
    return;
  }
  if (truncate) exchange.destroy();
  else res.end();
}

/** Sends an error in the dialect's shape. */
export function sendError(exchange: Exchange, dialect: DialectDefinition, error: SimError): Promise<void> {
  return sendReply(exchange, dialect.errorReply(error));
}

/** The reply of a `status` fault: the given body (a string as text, anything else as JSON) or the dialect's error shape. */
export function statusFaultReply(dialect: DialectDefinition, fault: Extract<Fault, { kind: 'status' }>): HttpReply {
  const extra: Record<string, string> = { ...(fault.retryAfter !== undefined && { 'retry-after': fault.retryAfter }) };
  let reply: HttpReply;
  if (fault.body === undefined) reply = dialect.errorReply(errorForStatus(fault.status));
  else if (typeof fault.body === 'string') reply = { status: fault.status, headers: { ...TEXT_HEADERS }, body: fault.body };
  else reply = { status: fault.status, headers: { ...JSON_HEADERS }, body: JSON.stringify(fault.body) };
  return { status: fault.status, headers: { ...reply.headers, ...extra, ...fault.headers }, body: reply.body };
}
