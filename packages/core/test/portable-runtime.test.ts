import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamInterruptedError, timingLogFormatFromEnv, type StreamPart } from '../src/index.ts';
import { createBackend } from '../src/adapter.ts';

const msgs = [{ role: 'user' as const, content: 'hi' }];

/**
 * Makes `setTimeout` return a number, as it does in browsers, Deno and
 * workers: no `refresh()`, no `unref()`. `clearTimeout` takes the number.
 */
function useNumericTimers(): void {
  const set = globalThis.setTimeout;
  vi.stubGlobal('setTimeout', (handler: () => void, ms?: number) => Number(set(handler, ms)));
}

/** Streams `words` one chunk each, waiting `gapsMs[i]` before chunk i (no wait where unset). */
function pacedBackend(words: string[], gapsMs: number[] = []) {
  return createBackend({
    name: 'paced',
    generate: () => Promise.reject(new Error('not used')),
    async *stream(call): AsyncGenerator<StreamPart> {
      for (const [i, text] of words.entries()) {
        const gap = gapsMs[i];
        if (gap !== undefined) {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, gap);
            call.signal.addEventListener('abort', () => (clearTimeout(timer), reject(call.signal.reason)), { once: true });
          });
        }
        yield { type: 'text', text };
      }
      yield { type: 'finish', finishReason: 'stop' };
    },
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('stream timeouts where setTimeout returns a number', () => {
  it('idleTimeoutMs is re-armed on every chunk of a long stream', async () => {
    useNumericTimers();
    const words = Array.from({ length: 8 }, (_, i) => `w${i} `);
    const completion = await pacedBackend(words).stream(msgs, { model: 'm', idleTimeoutMs: 60_000, firstChunkTimeoutMs: 60_000 }).collect();
    expect(completion.text).toBe(words.join(''));
  });

  it('activity keeps the idle timer from firing; a gap longer than idleTimeoutMs fires it', async () => {
    vi.useFakeTimers();
    useNumericTimers();
    // Four gaps of 30 ms under a 50 ms idle limit (120 ms in all), then one of 80 ms.
    const stream = pacedBackend(['a ', 'b ', 'c ', 'd ', 'e '], [30, 30, 30, 30, 80]).stream(msgs, { model: 'm', idleTimeoutMs: 50 });
    const chunks: string[] = [];
    const read = (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(125);
    expect(chunks).toEqual(['a ', 'b ', 'c ', 'd ']);
    await vi.advanceTimersByTimeAsync(60);
    const error = await read;
    expect(StreamInterruptedError.isInstance(error)).toBe(true);
    expect((error as StreamInterruptedError).cause).toMatchObject({ code: 'timeout', phase: 'idle', timeoutMs: 50 });
    expect(chunks).toEqual(['a ', 'b ', 'c ', 'd ']);
  });
});

describe('an environment the process may not read', () => {
  it('leaves the timing log off instead of throwing (Deno without --allow-env)', () => {
    const denied = new Proxy({} as Record<string, string | undefined>, {
      get(_, name) {
        throw new Error(`NotCapable: Requires env access to "${String(name)}"`);
      },
    });
    expect(timingLogFormatFromEnv(denied)).toBeUndefined();
  });
});
