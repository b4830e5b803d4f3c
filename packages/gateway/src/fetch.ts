import { GatewayError } from './errors.ts';
import type { Inbound, Reply } from './exchange.ts';

/** Reads a body stream into text, refusing (413) as soon as it passes `limit` bytes. */
async function readLimited(body: ReadableStream<Uint8Array> | null, declared: string | null, limit: number): Promise<string> {
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (body === null) return '';
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    text += decoder.decode(value, { stream: true });
  }
}

export function tooLarge(limit: number): GatewayError {
  return new GatewayError(413, 'invalid_request_error', `The request body is larger than ${limit} bytes, this gateway's limit.`, {
    code: 'request_too_large',
  });
}

/** A fetch `Request` as the gateway reads it. */
export function inboundFromRequest(request: Request): Inbound {
  const url = request.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const query = url.indexOf('?', start);
  return {
    method: request.method,
    path: start < 0 ? '/' : url.slice(start, query < 0 ? undefined : query),
    header: (name) => request.headers.get(name),
    text: (limit) => readLimited(request.body, request.headers.get('content-length'), limit),
    signal: request.signal,
  };
}

const encoder = new TextEncoder();

/** A reply as a fetch `Response`; a stream's events are pulled only as the body is read. */
export function replyToResponse(reply: Reply): Response {
  if ('body' in reply) return new Response(reply.body, { status: reply.status, headers: reply.headers });
  const { events } = reply;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const event = await events.next();
        if (event === undefined) controller.close();
        else controller.enqueue(encoder.encode(event));
      },
      cancel() {
        events.cancel();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: reply.status, headers: reply.headers });
}
