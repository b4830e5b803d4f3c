import type { Readable } from 'node:stream';
import { takeRawBody } from './http-fetch.ts';

/**
 * A non-streamed answer's body, as the `openai` SDK would parse it (JSON for a
 * JSON media type, an empty JSON body as undefined, other types as text), read
 * from the socket's stream when the response came from `httpFetch`: no web
 * stream, and no body timer of the SDK's, since the call's signal (core's
 * deadline) cuts the read.
 */
export async function responseBody(response: Response, signal: AbortSignal): Promise<unknown> {
  if (response.status === 204) return null;
  const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  const isJSON = mediaType?.includes('application/json') || mediaType?.endsWith('+json');
  if (isJSON && response.headers.get('content-length') === '0') return undefined;
  const raw = takeRawBody(response);
  const text = raw ? await readText(raw.stream, signal) : await response.text();
  if (!isJSON) return text;
  return text ? JSON.parse(text) : undefined;
}

function readText(stream: Readable, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onAbort = (): void => {
      stream.destroy();
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (error: unknown): void => {
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
      else reject(error);
    };
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => settle(undefined));
    stream.once('error', settle);
    // Closed without an end or an error: the connection went away under the body.
    stream.once('close', () => settle(Object.assign(new Error('terminated'), { code: 'ECONNRESET' })));
  });
}
