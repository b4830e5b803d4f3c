import { describe, expect, it } from 'vitest';
import { simulatedReply } from '../../src/simulator/text.ts';
import type { Fault } from '../../src/simulator/types.ts';
import { chat, HELLO, parseSse, post, rawPost, readSse, readText, simulator, until } from './helpers.ts';

const REPLY = simulatedReply({ model: 'sim-model', messages: HELLO });
const firstTokens = (n: number): string => simulatedReply({ model: 'sim-model', messages: HELLO, maxTokens: n });
const faultHeader = (fault: Fault | Fault[]): Record<string, string> => ({ 'x-sim-fault': JSON.stringify(fault) });

/** Reads an event stream, noting when each data event arrived (ms since `start`). */
async function timedEvents(response: Response, start: number): Promise<{ data: string; at: number }[]> {
  const decoder = new TextDecoder();
  const events: { data: string; at: number }[] = [];
  let buffer = '';
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (event.startsWith('data: ')) events.push({ data: event.slice(6), at: performance.now() - start });
    }
  }
  return events;
}

describe('status fault', () => {
  it('answers the status in the dialect error shape, with Retry-After and extra headers', async () => {
    const sim = await simulator();
    const fault: Fault = { kind: 'status', status: 503, retryAfter: '7', headers: { 'x-extra': 'yes' } };
    for (const stream of [false, true]) {
      const response = await post(sim, 'openai', '/chat/completions', chat({ stream }), faultHeader(fault));
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(response.headers.get('x-extra')).toBe('yes');
      expect(((await response.json()) as any).error).toMatchObject({ type: 'server_error', message: expect.any(String) });
    }
    expect(sim.requests.map((r) => [r.fault, r.status])).toEqual([['status', 503], ['status', 503]]);
  });

  it('sends a given body: objects as JSON, strings as text', async () => {
    const sim = await simulator();
    const json = await post(sim, 'featherless', '/chat/completions', chat(), faultHeader({ kind: 'status', status: 403, body: { gated: true } }));
    expect(json.status).toBe(403);
    expect(await json.json()).toEqual({ gated: true });
    const text = await post(sim, 'featherless', '/chat/completions', chat(), faultHeader({ kind: 'status', status: 502, body: 'Bad gateway' }));
    expect(text.headers.get('content-type')).toContain('text/plain');
    expect(await text.text()).toBe('Bad gateway');
  });
});

describe('reset fault', () => {
  it('destroys the connection before any response', async () => {
    const sim = await simulator();
    const failure = await post(sim, 'openai', '/chat/completions', chat(), faultHeader({ kind: 'reset' })).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TypeError);
    await until(() => sim.requests[0]?.endedAt !== undefined);
    expect(sim.requests[0]).toMatchObject({ fault: 'reset', clientAborted: false });
    expect(sim.requests[0]?.status).toBeUndefined();
  });
});

describe('close-mid-stream fault', () => {
  it('closes the connection after afterChunks content chunks (default 2), without an event', async () => {
    const sim = await simulator();
    for (const [fault, chunks] of [[{ kind: 'close-mid-stream' }, 2], [{ kind: 'close-mid-stream', afterChunks: 5 }, 5]] as const) {
      const response = await post(sim, 'openai', '/chat/completions', chat({ stream: true }), faultHeader(fault));
      expect(response.status).toBe(200);
      const { text, error } = await readText(response);
      expect(error).toBeInstanceOf(TypeError);
      const sse = parseSse(text);
      expect(sse.content).toBe(firstTokens(chunks));
      expect(sse.done).toBe(false);
      expect(sse.chunks.some((c) => c.choices[0]?.finish_reason)).toBe(false);
    }
    await until(() => sim.requests.every((r) => r.endedAt !== undefined));
    expect(sim.requests.map((r) => [r.fault, r.clientAborted])).toEqual([['close-mid-stream', false], ['close-mid-stream', false]]);
  });

  it('acts after the last chunk when afterChunks is past the end; truncates a JSON body', async () => {
    const sim = await simulator();
    const response = await post(sim, 'openai', '/chat/completions', chat({ stream: true, max_tokens: 3 }), faultHeader({ kind: 'close-mid-stream', afterChunks: 99 }));
    const { text, error } = await readText(response);
    expect(error).toBeDefined();
    expect(parseSse(text).content).toBe(firstTokens(3));
    const json = await post(sim, 'openai', '/chat/completions', chat(), faultHeader({ kind: 'close-mid-stream' }));
    expect(json.status).toBe(200);
    await expect(json.json()).rejects.toThrow();
  });
});

describe('malformed-event fault', () => {
  it('sends `data: {not json` after afterChunks content chunks, then ends', async () => {
    const sim = await simulator();
    const response = await post(sim, 'openai', '/chat/completions', chat({ stream: true }), faultHeader({ kind: 'malformed-event', afterChunks: 3 }));
    const { text, error } = await readText(response);
    expect(error).toBeUndefined();
    expect(text).toContain('data: {not json\n\n');
    const valid = text.slice(0, text.indexOf('data: {not json'));
    expect(parseSse(valid).content).toBe(firstTokens(3));
    expect(text).not.toContain('[DONE]');
  });

  it('answers 200 with an invalid JSON body to a non-streaming request', async () => {
    const sim = await simulator();
    const response = await post(sim, 'openai', '/chat/completions', chat(), faultHeader({ kind: 'malformed-event' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{not json');
  });
});

describe('error-event fault', () => {
  it('defaults to code 502 in any dialect, and has a non-streaming form', async () => {
    const sim = await simulator();
    const sse = await readSse(await post(sim, 'openai', '/chat/completions', chat({ stream: true }), faultHeader({ kind: 'error-event' })));
    expect(sse.content).toBe(firstTokens(2));
    expect(sse.chunks.at(-1)?.error).toMatchObject({ code: 502, message: expect.any(String) });
    const json = (await (await post(sim, 'openrouter', '/chat/completions', chat(), faultHeader({ kind: 'error-event', code: 429 }))).json()) as any;
    expect(json.error.code).toBe(429);
    expect(json.choices[0].finish_reason).toBe('error');
  });
});

describe('no-finish fault', () => {
  it('ends the stream cleanly after the content with no finish reason and no [DONE]', async () => {
    const sim = await simulator();
    const sse = await readSse(await post(sim, 'openrouter', '/chat/completions', chat({ stream: true }), faultHeader({ kind: 'no-finish' })));
    expect(sse.error).toBeUndefined();
    expect(sse.content).toBe(REPLY);
    expect(sse.done).toBe(false);
    expect(sse.chunks.some((c) => c.choices[0]?.finish_reason || c.usage)).toBe(false);
    const json = (await (await post(sim, 'openai', '/chat/completions', chat(), faultHeader({ kind: 'no-finish' }))).json()) as any;
    expect(json.choices[0].finish_reason).toBeNull();
  });
});

describe('stall fault', () => {
  it('delays the headers', async () => {
    const sim = await simulator();
    const start = performance.now();
    const response = await post(sim, 'openai', '/chat/completions', chat({ stream: true }), faultHeader({ kind: 'stall', phase: 'headers', ms: 80 }));
    expect(performance.now() - start).toBeGreaterThanOrEqual(75);
    await response.text();
  });

  it('delays the first chunk after prompt headers', async () => {
    const sim = await simulator();
    const start = performance.now();
    const response = await post(sim, 'openai', '/chat/completions', chat({ stream: true }), faultHeader({ kind: 'stall', phase: 'first-chunk', ms: 80 }));
    const events = await timedEvents(response, start);
    // The server's timer starts after the request arrived, so the first event comes at least 80 ms after the start.
    expect(events[0]!.at).toBeGreaterThanOrEqual(80);
    expect(events.map((e) => e.data).at(-1)).toBe('[DONE]');
  });

  it('sends the headers before a first-chunk stall', async () => {
    const sim = await simulator();
    // A minute-long stall: the headers arriving at all shows they were not held back.
    const response = await post(sim, 'openai', '/chat/completions', chat({ stream: true }), faultHeader({ kind: 'stall', phase: 'first-chunk', ms: 60_000 }));
    expect(response.status).toBe(200);
    await response.body?.cancel();
  });

  it('is silent before the first chunk: mlx-lm keepalives come before the stall, not during it', async () => {
    const sim = await simulator();
    const start = performance.now();
    const response = await post(sim, 'mlx-lm', '/chat/completions', chat({ stream: true }), faultHeader({ kind: 'stall', phase: 'first-chunk', ms: 80 }));
    const decoder = new TextDecoder();
    const arrivals: { text: string; at: number }[] = [];
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      arrivals.push({ text: decoder.decode(chunk, { stream: true }), at: performance.now() - start });
    }
    const firstData = arrivals.findIndex((a) => a.text.includes('data:'));
    const lastComment = arrivals.findLastIndex((a) => a.text.includes(': keepalive'));
    expect(lastComment).toBeLessThan(firstData);
    expect(arrivals[firstData]!.at).toBeGreaterThanOrEqual(80);
  });

  it('pauses between chunks after afterChunks content chunks', async () => {
    const sim = await simulator();
    const start = performance.now();
    const fault: Fault = { kind: 'stall', phase: 'between-chunks', ms: 200, afterChunks: 3 };
    const response = await post(sim, 'mlx', '/chat/completions', chat({ stream: true }), faultHeader(fault));
    const events = await timedEvents(response, start);
    // mlx has no role chunk: events 0..2 are the first three content chunks, event 3 the fourth. The fourth comes
    // at least 200 ms after the start (a server-side bound); the gap after the third is measured by the client, so
    // only half the stall is asserted there, leaving room for a busy machine.
    expect(events[3]!.at).toBeGreaterThanOrEqual(200);
    expect(events[3]!.at - events[2]!.at).toBeGreaterThanOrEqual(100);
    expect(parseSse(events.map((e) => `data: ${e.data}\n\n`).join('')).content).toBe(REPLY);
  });

  it('delays a non-streaming body after its headers', async () => {
    const sim = await simulator();
    const start = performance.now();
    const response = await post(sim, 'openai', '/chat/completions', chat(), faultHeader({ kind: 'stall', phase: 'first-chunk', ms: 80 }));
    await response.json();
    expect(performance.now() - start).toBeGreaterThanOrEqual(80);
    // The headers came first: a minute-long stall still lets them through.
    const stalled = await post(sim, 'openai', '/chat/completions', chat(), faultHeader({ kind: 'stall', phase: 'first-chunk', ms: 60_000 }));
    expect(stalled.status).toBe(200);
    await stalled.body?.cancel();
  });
});

describe('crlf fault', () => {
  it('uses \\r\\n line endings only', async () => {
    const sim = await simulator();
    const sse = await readSse(await post(sim, 'openrouter', '/chat/completions', chat({ stream: true }), faultHeader({ kind: 'crlf' })));
    expect(sse.raw).toContain('\r\n\r\n');
    expect(sse.raw.replaceAll('\r\n', '')).not.toContain('\n');
    expect(sse.content).toBe(REPLY);
    expect(sse.comments).toContain('OPENROUTER PROCESSING');
    expect(sse.done).toBe(true);
  });
});

describe('split-writes fault', () => {
  it('delivers pieces cut inside lines and inside multi-byte characters, which one streaming decoder reassembles', async () => {
    const sim = await simulator();
    const { status, pieces } = await rawPost(`${sim.baseURL('openai')}/chat/completions`, chat({ stream: true }), faultHeader([{ kind: 'split-writes' }, { kind: 'crlf' }]));
    expect(status).toBe(200);
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const cutInsideCharacter = pieces.filter((piece) => {
      try {
        fatal.decode(piece);
        return false;
      } catch {
        return true;
      }
    });
    expect(cutInsideCharacter.length).toBeGreaterThan(0);
    expect(pieces.some((piece) => piece.at(-1) === 0x0d)).toBe(true); // between \r and \n
    const events = parseSse(Buffer.concat(pieces).toString('utf8')).data.length;
    expect(pieces.length).toBeGreaterThan(events * 3);

    const decoder = new TextDecoder();
    const text = pieces.map((piece) => decoder.decode(piece, { stream: true })).join('') + decoder.decode();
    const sse = parseSse(text);
    expect(sse.content).toBe(REPLY);
    expect(sse.done).toBe(true);
  });

  it('also splits a JSON body', async () => {
    const sim = await simulator();
    const { pieces } = await rawPost(`${sim.baseURL('openai')}/chat/completions`, chat(), faultHeader({ kind: 'split-writes' }));
    expect(pieces.length).toBeGreaterThan(10);
    const body = JSON.parse(Buffer.concat(pieces).toString('utf8')) as any;
    expect(body.choices[0].message.content).toBe(REPLY);
  });
});

describe('fault rules', () => {
  it('apply `times` times to matching requests, then stop', async () => {
    const sim = await simulator({ faults: [{ fault: { kind: 'status', status: 429 }, times: 2 }] });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await post(sim, 'openai', '/chat/completions', chat());
      statuses.push(response.status);
      await response.text();
    }
    expect(statuses).toEqual([429, 429, 200, 200]);
  });

  it('match on model, dialect and path together', async () => {
    const sim = await simulator();
    sim.addFault({ fault: { kind: 'status', status: 500 }, model: 'target', dialect: 'openrouter', path: '/chat/completions' });
    const cases: [string, string, string, number][] = [
      ['openrouter', '/chat/completions', 'target', 500],
      ['openrouter', '/chat/completions', 'other', 200],
      ['openai', '/chat/completions', 'target', 200],
      ['openrouter', '/embeddings', 'target', 200],
    ];
    for (const [dialect, path, model, expected] of cases) {
      const body = path === '/embeddings' ? { model, input: 'x' } : chat({ model });
      const response = await post(sim, dialect as 'openai', path, body);
      expect(response.status, `${dialect} ${path} ${model}`).toBe(expected);
      await response.text();
    }
    sim.clearFaults();
    const cleared = await post(sim, 'openrouter', '/chat/completions', chat({ model: 'target' }));
    expect(cleared.status).toBe(200);
    await cleared.text();
  });

  it('are checked when added, naming the bad field', async () => {
    const sim = await simulator();
    expect(() => sim.addFault({ fault: { kind: 'nope' } as unknown as Fault })).toThrow(/fault\.kind/);
    expect(() => sim.addFault({ fault: { kind: 'stall', phase: 'later', ms: 1 } as unknown as Fault })).toThrow(/fault\.phase/);
    expect(() => sim.addFault({ fault: { kind: 'status', status: 42 } })).toThrow(/fault\.status/);
    expect(() => sim.addFault({ fault: { kind: 'reset' }, times: -1 })).toThrow(/times/);
  });

  it('do not use up `times` on invalid requests', async () => {
    const sim = await simulator({ faults: [{ fault: { kind: 'status', status: 503 }, times: 1 }] });
    const invalid = await post(sim, 'openai', '/chat/completions', { model: 'm' });
    expect(invalid.status).toBe(400);
    await invalid.text();
    const faulted = await post(sim, 'openai', '/chat/completions', chat());
    expect(faulted.status).toBe(503);
    await faulted.text();
  });
});

describe('x-sim-fault header', () => {
  it('applies to that one request only, and takes an array', async () => {
    const sim = await simulator();
    const aimed = await post(sim, 'openai', '/chat/completions', chat({ stream: true }), faultHeader([{ kind: 'crlf' }, { kind: 'no-finish' }]));
    const sse = await readSse(aimed);
    expect(sse.raw).toContain('\r\n');
    expect(sse.done).toBe(false);
    const next = await readSse(await post(sim, 'openai', '/chat/completions', chat({ stream: true })));
    expect(next.raw).not.toContain('\r');
    expect(next.done).toBe(true);
    expect(sim.requests.map((r) => r.fault)).toEqual(['crlf', undefined]);
  });

  it('answers 400 naming the header when it is not a valid fault', async () => {
    const sim = await simulator();
    for (const header of ['{oops', '{"kind":"explode"}', '[{"kind":"stall","phase":"headers"}]']) {
      const response = await post(sim, 'openai', '/chat/completions', chat(), { 'x-sim-fault': header });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.message).toContain('x-sim-fault');
    }
  });
});
