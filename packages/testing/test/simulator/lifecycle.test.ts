import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/server.ts';
import type { Dialect } from '../../src/simulator/types.ts';
import { chat, later, post, readSse, readText, simulator, until } from './helpers.ts';

const activeTimers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout' || kind === 'Immediate').length;

describe('request log', () => {
  it('records method, path, headers with a fingerprint instead of the token, body, model, stream, times and status', async () => {
    const sim = await simulator();
    const before = Date.now();
    const token = 'sk-very-secret-token';
    await (await post(sim, 'openrouter', '/chat/completions?x=1', chat({ stream: true }), { authorization: `Bearer ${token}`, 'x-title': 'My App' })).text();
    await until(() => sim.requests[0]?.endedAt !== undefined);
    const entry = sim.requests[0]!;
    const print = createHash('sha256').update(token).digest('hex').slice(0, 8);
    expect(entry).toMatchObject({
      id: 'req_1',
      dialect: 'openrouter',
      method: 'POST',
      path: '/chat/completions',
      model: 'sim-model',
      stream: true,
      status: 200,
      clientAborted: false,
      body: chat({ stream: true }),
    });
    expect(entry.headers.authorization).toBe(`Bearer sha256:${print}`);
    expect(entry.headers['x-title']).toBe('My App');
    expect(JSON.stringify(sim.requests)).not.toContain(token);
    expect(entry.startedAt).toBeGreaterThanOrEqual(before);
    expect(entry.endedAt).toBeGreaterThanOrEqual(entry.startedAt);
  });

  it('keeps a non-JSON body as its raw string, and can skip bodies and bound its length', async () => {
    const sim = await simulator();
    await (await post(sim, 'openai', '/chat/completions', 'not json')).text();
    expect(sim.requests[0]?.body).toBe('not json');

    const lean = await simulator({ logBodies: false, maxLogEntries: 3 });
    for (let i = 0; i < 8; i++) await (await post(lean, 'openai', '/chat/completions', chat())).text();
    expect(lean.requests.map((r) => r.id)).toEqual(['req_6', 'req_7', 'req_8']);
    expect(lean.requests.every((r) => r.body === undefined && r.model === 'sim-model')).toBe(true);
  });

  it('marks requests the client aborted, and reset() clears the log and the in-flight maximum', async () => {
    const sim = await simulator({ defaultProfile: { ttftMs: 5000 } });
    const controller = new AbortController();
    const pending = later(fetch(`${sim.baseURL('openai')}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: JSON.stringify(chat({ stream: true })), signal: controller.signal }));
    await until(() => sim.inFlight === 1);
    controller.abort();
    await pending.then((response) => readText(response), () => undefined);
    await until(() => sim.inFlight === 0);
    expect(sim.requests[0]).toMatchObject({ clientAborted: true, status: 200 });
    expect(sim.maxInFlight).toBe(1);
    sim.reset();
    expect(sim.requests).toEqual([]);
    expect(sim.maxInFlight).toBe(0);
  });
});

describe('in-flight counting', () => {
  it('counts chat and embedding requests open at once, not other routes', async () => {
    // Held open far longer than any test runs, then let go by the client: however slowly a busy machine
    // sends the three requests, all of them are in flight together.
    const sim = await simulator({ defaultProfile: { ttftMs: 600_000 } });
    const controller = new AbortController();
    const open = (dialect: Dialect, path: string, body: unknown) =>
      fetch(`${sim.baseURL(dialect)}${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: controller.signal,
      }).catch(() => undefined);
    const calls = [open('openai', '/chat/completions', chat()), open('mlx', '/chat/completions', chat({ stream: true })), open('featherless', '/embeddings', { model: 'e', input: 'x' })];
    await until(() => sim.inFlight === 3);
    await (await fetch(`${sim.baseURL('openai')}/models`, { headers: { authorization: 'Bearer k' } })).text();
    expect(sim.inFlight).toBe(3);
    controller.abort();
    await Promise.all(calls);
    await until(() => sim.inFlight === 0);
    expect(sim.maxInFlight).toBe(3);
  });
});

describe('pacing', () => {
  it('waits ttftMs before the first chunk and paces chunks at tokensPerSecond', async () => {
    const sim = await simulator({ models: { paced: { ttftMs: 60, tokensPerSecond: 200, outputTokens: 11 } } });
    const start = performance.now();
    const sse = await readSse(await post(sim, 'openai', '/chat/completions', chat({ model: 'paced', stream: true })));
    const total = performance.now() - start;
    // 60 ms to the first token, then 10 more chunks 5 ms apart (the server's timers start after the request arrived).
    expect(total).toBeGreaterThanOrEqual(60 + 45);
    expect(sse.content.split(' ')).toHaveLength(11);
  });

  it('sends a stream’s headers at once, before the time to first token', async () => {
    const sim = await simulator({ models: { slow: { ttftMs: 60_000 } } });
    // Were the headers held back with the first token, this would wait a minute (and the test time out).
    const response = await post(sim, 'openai', '/chat/completions', chat({ model: 'slow', stream: true }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(sim.requests[0]?.endedAt).toBeUndefined();
    await response.body?.cancel();
  });

  it('delays a non-streaming reply by the whole generation time', async () => {
    const sim = await simulator({ models: { paced: { ttftMs: 30, tokensPerSecond: 100, outputTokens: 6 } } });
    const start = performance.now();
    await (await post(sim, 'openai', '/chat/completions', chat({ model: 'paced' }))).json();
    expect(performance.now() - start).toBeGreaterThanOrEqual(30 + 45);
  });
});

describe('close()', () => {
  it('resolves promptly with streams open and leaves no timer behind', async () => {
    const baseline = activeTimers();
    const sim = await startSimulator({ defaultProfile: { ttftMs: 10, tokensPerSecond: 5, outputTokens: 100 } });
    const streams = Array.from({ length: 5 }, () =>
      post(sim, 'openai', '/chat/completions', chat({ stream: true })).then((response) => readSse(response)),
    );
    const waiting = later(post(sim, 'mlx', '/chat/completions', chat({ stream: true }), { 'x-sim-fault': '{"kind":"stall","phase":"headers","ms":60000}' }));
    await until(() => sim.inFlight === 6);
    await until(() => sim.requests.every((r) => r.status === 200 || r.path === '/chat/completions'));
    // The streams would run 20 s and the stall a minute: close() resolving at all (within the test's time) is the point.
    await sim.close();
    const results = await Promise.all(streams);
    for (const result of results) {
      expect(result.error).toBeDefined();
      expect(result.done).toBe(false);
    }
    await expect(waiting).rejects.toThrow();
    expect(sim.inFlight).toBe(0);
    await until(() => activeTimers() <= baseline);
    // Closing twice is fine.
    await sim.close();
  });

  it('stops the work of a stream whose client went away', async () => {
    const sim = await simulator({ defaultProfile: { tokensPerSecond: 50, outputTokens: 1000 } });
    const baseline = activeTimers();
    const controller = new AbortController();
    const response = await fetch(`${sim.baseURL('openai')}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: JSON.stringify(chat({ stream: true })), signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await until(() => sim.inFlight === 0);
    await until(() => activeTimers() <= baseline);
    expect(sim.requests[0]).toMatchObject({ clientAborted: true });
  });
});

describe('load', () => {
  it('serves hundreds of concurrent streams', async () => {
    const sim = await simulator({ logBodies: false, defaultProfile: { ttftMs: 50 } });
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        post(sim, i % 2 ? 'openai' : 'openrouter', '/chat/completions', chat({ stream: true, messages: [{ role: 'user', content: `n${i}` }] })).then((r) => readSse(r)),
      ),
    );
    expect(results.every((r) => r.done && r.content.length > 0)).toBe(true);
    expect(sim.requests).toHaveLength(300);
    expect(sim.maxInFlight).toBeGreaterThan(10);
    // 300 streams through the test process's fetch: seconds of CPU on a busy 2-core machine, so not the default 5 s bound.
  }, 30_000);
});
