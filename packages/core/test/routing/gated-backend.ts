import { type Backend, type BackendCall, type BackendEmbedCall, type StreamPart, type Usage } from '../../src/index.ts';
import { createBackend } from '../../src/adapter.ts';

export interface Gated extends Backend {
  /** Requests received, in order. */
  calls: (BackendCall | BackendEmbedCall)[];
  /** Requests waiting for their gate. */
  readonly open: number;
  /** Lets the oldest `count` waiting requests answer. */
  finish(count?: number): void;
}

/**
 * A backend whose requests wait until the test lets them answer, so a test
 * decides what is in flight when the next call is placed (no timers).
 * Without `gated`, requests answer at once.
 */
export function gatedBackend(name: string, options: { gated?: boolean; usage?: Usage } = {}): Gated {
  const calls: (BackendCall | BackendEmbedCall)[] = [];
  const waiting: (() => void)[] = [];
  const arrive = (call: BackendCall | BackendEmbedCall): Promise<void> => {
    calls.push(call);
    if (!options.gated) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      waiting.push(resolve);
      call.signal.addEventListener('abort', () => reject(call.signal.reason), { once: true });
    });
  };
  const backend = createBackend({
    name,
    capabilities: { embeddings: true },
    async generate(call) {
      await arrive(call);
      return { text: `from ${name}`, finishReason: 'stop', ...(options.usage && { usage: options.usage }) };
    },
    async *stream(call): AsyncGenerator<StreamPart> {
      await arrive(call);
      yield { type: 'text', text: 'from ' };
      yield { type: 'text', text: name };
      yield { type: 'finish', finishReason: 'stop', ...(options.usage && { usage: options.usage }) };
    },
    async embed(call) {
      await arrive(call);
      return { embeddings: call.input.map(() => [name.length]) };
    },
  });
  return Object.defineProperty(
    Object.assign(backend, {
      calls,
      finish(count = waiting.length) {
        for (const resolve of waiting.splice(0, count)) resolve();
      },
    }),
    'open',
    { get: () => waiting.length },
  ) as Gated;
}
