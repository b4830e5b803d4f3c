import type { FetchFunction } from './settings.ts';

/** What a drain reads past the end of a stream at most before it gives up and cancels. */
const maxDrainBytes = 64 * 1024;

/**
 * A fetch whose event streams end in order. The `openai` SDK stops reading a
 * stream at its `[DONE]` event and cancels the body, a moment before the
 * server has ended the response; a server that counts a request as running
 * until its response is over (Featherless's plan) then refuses the next
 * request that a client-side limiter let through at exactly the plan. Here a
 * cancel after a normal end first reads the rest of the body (the chunked
 * terminator, a few bytes) to its end, and the SDK's stream, which waits for
 * the cancel, ends only then, so a concurrency slot is freed after the server
 * is done. A cancel after an abort (the request's signal fired) cancels at once.
 */
export function drainingFetch(fetch: FetchFunction): FetchFunction {
  return async (input, init) => {
    const response = await fetch(input, init);
    const { body } = response;
    if (body && response.headers.get('content-type')?.startsWith('text/event-stream')) drainOnCancel(body, init?.signal ?? undefined);
    return response;
  };
}

/** Gives the body's readers a cancel that reads to the end first, with no cost per chunk. */
function drainOnCancel(body: ReadableStream<Uint8Array>, signal: AbortSignal | undefined): void {
  const getReader = body.getReader.bind(body) as () => ReadableStreamDefaultReader<Uint8Array>;
  Object.defineProperty(body, 'getReader', {
    configurable: true,
    value: () => {
      const reader = getReader();
      const cancel = reader.cancel.bind(reader);
      reader.cancel = async (reason?: unknown) => {
        if (!signal?.aborted && (await readToEnd(reader, signal))) return;
        await cancel(reason);
      };
      return reader;
    },
  });
}

/** Reads what is left; true when the body ended within the bound and no abort came. */
async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal | undefined): Promise<boolean> {
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      bytes += value.byteLength;
      if (bytes > maxDrainBytes || signal?.aborted) return false;
    }
  } catch {
    return false;
  }
}
