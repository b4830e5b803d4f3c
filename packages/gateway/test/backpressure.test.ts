import { CompletionStream, type Completion, type LLMClient } from '@router/core';
import { describe, expect, it } from 'vitest';
import { createGateway } from '../src/index.ts';

/** A client whose stream makes chunks only when asked, and says how many it made and whether it was closed. */
function countingClient(total: number): { client: LLMClient; produced: () => number; closed: Promise<void> } {
  let produced = 0;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const client: LLMClient = {
    name: 'counting',
    generate: () => Promise.reject(new Error('not used')),
    embed: () => Promise.reject(new Error('not used')),
    stream: (_messages, options) =>
      CompletionStream.from(async function* (): AsyncGenerator<string, Completion, undefined> {
        try {
          for (; produced < total; ) {
            produced += 1;
            yield `t${produced} `;
          }
          return { text: '', finishReason: 'stop', backend: 'counting', adapter: 'counting', model: options.model, attempts: 1, timings: { startedAt: Date.now(), totalMs: 0 } };
        } finally {
          if (produced < total) markClosed();
        }
      }),
  };
  return { client, produced: () => produced, closed };
}

const streamRequest = (): Request =>
  new Request('http://gateway.local/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('backpressure and disconnects on the fetch handler', () => {
  it('reads the upstream only as fast as the client reads the response', async () => {
    const { client, produced } = countingClient(100_000);
    const gateway = createGateway({ router: client, log: false });
    const response = await gateway(streamRequest());
    const reader = response.body!.getReader();
    for (let read = 1; read <= 5; read++) {
      await reader.read();
      // The first chunk is read before the headers go out; after that, one chunk per read and nothing ahead.
      expect(produced()).toBeLessThanOrEqual(read + 1);
    }
    await reader.cancel();
  });

  it('a client that goes away closes the upstream stream and frees its slot', async () => {
    const { client, closed } = countingClient(100_000);
    const gateway = createGateway({ router: client, log: false });
    const reader = (await gateway(streamRequest())).body!.getReader();
    await reader.read();
    expect(gateway.inFlight).toBe(1);
    await reader.cancel();
    await closed;
    expect(gateway.inFlight).toBe(0);
  });
});
