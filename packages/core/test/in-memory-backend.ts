import { type Backend, type BackendCall, type StreamPart } from '../src/index.ts';
import { createBackend } from '../src/adapter.ts';

export interface InMemoryOptions {
  name?: string;
  /** The reply for a call; default echoes the last message's length. */
  reply?: (call: BackendCall) => string;
  /** Chunks the reply is streamed in; default one chunk per word. */
  chunk?: (text: string) => string[];
  /** Throw this instead of answering. */
  fail?: () => unknown;
  embeddings?: boolean;
}

/** A backend with no network, built the way every adapter is: on createBackend. */
export function inMemoryBackend(options: InMemoryOptions = {}): Backend & { calls: BackendCall[] } {
  const calls: BackendCall[] = [];
  const reply = options.reply ?? ((call) => `reply from ${options.name ?? 'memory'} to ${call.options.model}`);
  const chunk = options.chunk ?? ((text) => text.split(/(?<= )/));
  const backend = createBackend({
    name: options.name ?? 'memory',
    capabilities: { embeddings: options.embeddings ?? true },
    async generate(call) {
      calls.push(call);
      if (options.fail) throw options.fail();
      return { text: reply(call), finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 5, totalTokens: 8 } };
    },
    async *stream(call): AsyncGenerator<StreamPart> {
      calls.push(call);
      if (options.fail) throw options.fail();
      for (const text of chunk(reply(call))) yield { type: 'text', text };
      yield { type: 'finish', finishReason: 'stop' };
    },
    async embed(call) {
      return { embeddings: call.input.map((text) => [text.length, 1]) };
    },
  });
  return Object.assign(backend, { calls });
}
