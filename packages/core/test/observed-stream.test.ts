import { describe, expect, it } from 'vitest';
import { AbortedError, BackendError, createRouter, RouterError, type LLMClient, type RouterEvent, type StreamPart } from '../src/index.ts';
import { createBackend } from '../src/adapter.ts';

const msgs = [{ role: 'user' as const, content: 'weather?' }];

/** A backend that streams text, a tool call in two pieces, then its finish; `cut` fails it after the text instead. */
function toolBackend(options: { cut?: boolean } = {}) {
  const closed: string[] = [];
  const backend = createBackend({
    name: 'tools',
    capabilities: { tools: true },
    async generate() {
      return { text: '', finishReason: 'stop' };
    },
    async *stream(): AsyncGenerator<StreamPart> {
      try {
        yield { type: 'text', text: 'Checking ' };
        yield { type: 'text', text: 'now. ' };
        if (options.cut) throw new BackendError('connection reset', { status: 502 });
        yield { type: 'tool-call-start', index: 0, id: 'call_a', name: 'weather' };
        yield { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Bern"}' };
        yield { type: 'finish', finishReason: 'stop' };
      } finally {
        closed.push('closed');
      }
    },
  });
  return Object.assign(backend, { closed });
}

function routed(client: LLMClient, listen = true) {
  const events: RouterEvent[] = [];
  const router = createRouter({ backends: { b: client }, default: 'b', timingLog: false, listeners: listen ? [(event) => events.push(event)] : [] });
  const stream = (signal?: AbortSignal) => router.stream(msgs, { model: 'm', tools: [{ name: 'weather' }], ...(signal && { signal }) });
  return { events, stream, types: () => events.map((event) => event.type) };
}

async function partsOf(stream: AsyncIterable<StreamPart>, stopAt?: StreamPart['type']): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) {
    parts.push(part);
    if (part.type === stopAt) break;
  }
  return parts;
}

describe('a stream with listeners', () => {
  it('hands out the same parts as without listeners and reports start, first chunk and end once', async () => {
    const plain = await partsOf(routed(toolBackend(), false).stream().parts());
    const { stream, events, types } = routed(toolBackend());
    const observed = stream();
    expect(await partsOf(observed.parts())).toEqual(plain);
    expect(types()).toEqual(['call-start', 'first-chunk', 'call-end']);
    expect(events[2]).toMatchObject({ outputChars: 'Checking now. '.length, finishReason: 'tool-calls', servedBy: 'b', adapter: 'tools' });
    expect((await observed.completion).toolCalls).toEqual([{ id: 'call_a', name: 'weather', arguments: '{"city":"Bern"}', input: { city: 'Bern' } }]);
  });

  it('a consumer that stops at finish gets the completion, as without listeners', async () => {
    const plain = routed(toolBackend(), false).stream();
    await partsOf(plain.parts(), 'finish');
    await expect(plain.completion).resolves.toMatchObject({ finishReason: 'tool-calls' });
    const { stream, types } = routed(toolBackend());
    const observed = stream();
    await partsOf(observed.parts(), 'finish');
    await expect(observed.completion).resolves.toMatchObject({ text: 'Checking now. ', finishReason: 'tool-calls' });
    expect(types()).toEqual(['call-start', 'first-chunk', 'call-end']);
  });

  it.each(['text', 'parts'] as const)('a failure midway (%s view) is reported once, with the text delivered, and settles the completion with the error the loop got', async (view) => {
    const { stream, events, types } = routed(toolBackend({ cut: true }));
    const observed = stream();
    const loop = (async () => {
      for await (const _ of view === 'text' ? observed : observed.parts());
    })();
    const thrown = await loop.catch((error: unknown) => error);
    expect(RouterError.isInstance(thrown)).toBe(true);
    await expect(observed.completion).rejects.toBe(thrown);
    expect(types()).toEqual(['call-start', 'first-chunk', 'call-error']);
    expect(events[2]).toMatchObject({ outputChars: 'Checking now. '.length, error: thrown });
  });

  it('a consumer that leaves early closes the backend stream and is reported once, as aborted', async () => {
    const backend = toolBackend();
    const { stream, types, events } = routed(backend);
    const observed = stream();
    for await (const _ of observed) break;
    expect(backend.closed).toEqual(['closed']);
    await expect(observed.completion).rejects.toSatisfy((error) => AbortedError.isInstance(error));
    expect(types()).toEqual(['call-start', 'first-chunk', 'call-error']);
    expect(events[2]).toMatchObject({ outputChars: 'Checking '.length, error: { code: 'aborted' } });
  });

  it('an abort while nobody reads settles the completion and is reported once; the next read fails with it', async () => {
    const { stream, types } = routed(
      createBackend({
        name: 'stalling',
        capabilities: { tools: true },
        async generate() {
          return { text: '', finishReason: 'stop' };
        },
        async *stream(call): AsyncGenerator<StreamPart> {
          yield { type: 'text', text: 'first ' };
          if (!call.signal.aborted) await new Promise((resolve) => call.signal.addEventListener('abort', resolve, { once: true }));
        },
      }),
    );
    const controller = new AbortController();
    const observed = stream(controller.signal);
    const iterator = observed[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe('first ');
    controller.abort();
    await expect(observed.completion).rejects.toSatisfy((error) => AbortedError.isInstance(error));
    expect(types()).toEqual(['call-start', 'first-chunk', 'call-error']);
    await expect(iterator.next()).rejects.toSatisfy((error) => AbortedError.isInstance(error));
    expect(types()).toHaveLength(3);
  });

  it('a client whose stream() throws is reported and settles the completion with a typed error', async () => {
    const custom: LLMClient = {
      name: 'custom',
      generate: async () => {
        throw new Error('unused');
      },
      stream: () => {
        throw new Error('cannot open');
      },
      embed: async () => {
        throw new Error('unused');
      },
    };
    const { stream, types } = routed(custom);
    const error = await stream().completion.catch((caught: unknown) => caught);
    expect(RouterError.isInstance(error) && error.message).toBe('cannot open');
    expect(types()).toEqual(['call-start', 'call-error']);
  });
});
