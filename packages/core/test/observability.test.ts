import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BackendError,
  createRouter,
  createTimingLog,
  timingLogFormatFromEnv,
  type CompletionStream,
  type RouterEvent,
} from '../src/index.ts';
import { inMemoryBackend } from './in-memory-backend.ts';

const SECRET = 'the butler did it in the library';
const msgs = [
  { role: 'system' as const, content: 'You narrate.' },
  { role: 'user' as const, content: SECRET },
];
const inChars = 'You narrate.'.length + SECRET.length;

function routerWith(listener: (event: RouterEvent) => void, fail?: () => unknown) {
  const backend = inMemoryBackend({ name: 'narrative', reply: () => 'Once upon a time', ...(fail && { fail }) });
  return createRouter({ backends: { narrative: backend }, default: 'narrative', listeners: [listener], timingLog: false });
}

describe('hooks', () => {
  it('generate emits start then end with sizes, never text', async () => {
    const events: RouterEvent[] = [];
    await routerWith((e) => events.push(e)).generate(msgs, { model: 'big-model' });
    expect(events.map((e) => e.type)).toEqual(['call-start', 'call-end']);
    expect(events[1]).toMatchObject({ operation: 'generate', backend: 'narrative', servedBy: 'narrative', model: 'big-model', inputChars: inChars, outputChars: 16, attempts: 1 });
    expect(events[0]?.callId).toBe(events[1]?.callId);
    expect(JSON.stringify(events)).not.toContain('butler');
  });

  it('hands out the request and the result through functions, which serialising skips', async () => {
    const events: RouterEvent[] = [];
    await routerWith((e) => events.push(e)).generate(msgs, { model: 'big-model', temperature: 0.3 });
    const [start, end] = events;
    if (start?.type !== 'call-start' || end?.type !== 'call-end') throw new Error('expected call-start and call-end');
    expect(start.request().messages?.[1]?.content).toBe(SECRET);
    expect(start.request().options).toMatchObject({ temperature: 0.3 });
    expect(end.result()).toMatchObject({ text: 'Once upon a time', model: 'big-model' });
    expect(JSON.stringify(events)).not.toContain('butler');
  });

  it('stream emits start, first chunk and end with time to first chunk', async () => {
    const events: RouterEvent[] = [];
    const completion = await routerWith((e) => events.push(e)).stream(msgs, { model: 'big-model' }).collect();
    expect(events.map((e) => e.type)).toEqual(['call-start', 'first-chunk', 'call-end']);
    const end = events[2] as Extract<RouterEvent, { type: 'call-end' }>;
    expect(end.outputChars).toBe(completion.text.length);
    expect(end.ttftMs).toBeLessThanOrEqual(end.durationMs);
  });

  it('errors emit call-error and still reach the caller', async () => {
    const events: RouterEvent[] = [];
    const router = routerWith((e) => events.push(e), () => new BackendError('down', { status: 503, isRetryable: true }));
    await expect(router.generate(msgs, { model: 'm' })).rejects.toMatchObject({ status: 503 });
    expect(events.at(-1)).toMatchObject({ type: 'call-error', error: { status: 503 } });
  });

  it('a stream the caller leaves early is reported as an aborted call', async () => {
    const events: RouterEvent[] = [];
    const stream = routerWith((e) => events.push(e)).stream(msgs, { model: 'm' });
    for await (const _ of stream) break;
    expect(events.at(-1)).toMatchObject({ type: 'call-error', error: { code: 'aborted' }, outputChars: 5 });
  });

  it('a throwing listener does not break the call', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const router = routerWith(() => {
      throw new Error('bad hook');
    });
    await expect(router.generate(msgs, { model: 'm' })).resolves.toMatchObject({ text: 'Once upon a time' });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('bad hook'));
    warn.mockRestore();
  });

  it('subscribe adds and removes listeners', async () => {
    const backend = inMemoryBackend();
    const router = createRouter({ backends: { b: backend }, default: 'b', timingLog: false });
    const events: RouterEvent[] = [];
    const unsubscribe = router.subscribe((e) => events.push(e));
    await router.embed(['a', 'bc'], { model: 'e' });
    expect(events[0]).toMatchObject({ type: 'call-start', operation: 'embed', inputs: 2, inputChars: 3 });
    unsubscribe();
    await router.embed('a', { model: 'e' });
    expect(events).toHaveLength(2);
  });

  it('with no listeners the router hands back the backend stream itself (zero overhead)', () => {
    const backend = inMemoryBackend();
    const sentinel = { sentinel: true } as unknown as CompletionStream;
    backend.stream = () => sentinel;
    const router = createRouter({ backends: { b: backend }, default: 'b', timingLog: false });
    expect(router.stream(msgs, { model: 'm' })).toBe(sentinel);
  });
});

describe('timing log', () => {
  const original = { ...process.env };
  afterEach(() => {
    process.env = { ...original };
    vi.restoreAllMocks();
  });

  async function runTurn(format: 'text' | 'json', fail = false) {
    const lines: string[] = [];
    const backend = inMemoryBackend({
      name: 'narrative',
      reply: () => 'Once upon a time',
      ...(fail && { fail: () => new BackendError('rate limited', { status: 429, isRetryable: true }) }),
    });
    const router = createRouter({
      backends: { narrative: backend },
      default: 'narrative',
      timingLog: false,
      listeners: [createTimingLog({ format, write: (line) => lines.push(line) })],
    });
    await router.generate(msgs, { model: 'big-model' }).catch(() => {});
    await router.stream(msgs, { model: 'big-model' }).collect().catch(() => {});
    await router.embed([SECRET, 'b'], { model: 'emb' });
    return lines;
  }

  it('writes seed-style text lines', async () => {
    const lines = await runTurn('text');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(`LLM generate START [narrative] big-model in_chars=${inChars}`);
    expect(lines[1]).toMatch(new RegExp(`^LLM generate END \\[narrative\\] big-model \\d+\\.\\d\\ds in_chars=${inChars} out_chars=16$`));
    expect(lines[2]).toMatch(new RegExp(`^LLM stream \\[narrative\\] big-model ttft=\\d+\\.\\d\\ds total=\\d+\\.\\d\\ds in_chars=${inChars} out_chars=16$`));
    expect(lines[3]).toBe(`LLM embed START [narrative] emb inputs=2 in_chars=${SECRET.length + 1}`);
    expect(lines[4]).toMatch(/^LLM embed END \[narrative\] emb \d+\.\d\ds inputs=2/);
  });

  it('writes one JSON object per line', async () => {
    const lines = await runTurn('json');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => `${r.operation}:${r.event}`)).toEqual([
      'generate:call-start',
      'generate:call-end',
      'stream:call-start',
      'stream:first-chunk',
      'stream:call-end',
      'embed:call-start',
      'embed:call-end',
    ]);
    expect(records[1]).toMatchObject({ backend: 'narrative', model: 'big-model', inputChars: inChars, outputChars: 16 });
    expect(typeof records[1]?.durationMs).toBe('number');
  });

  it('logs errors by kind and status only', async () => {
    const text = await runTurn('text', true);
    expect(text[1]).toMatch(/^LLM generate ERROR \[narrative\] big-model total=\d+\.\d\ds in_chars=\d+ out_chars=0 error=BackendError\(backend 429\)$/);
    const json = (await runTurn('json', true)).map((l) => JSON.parse(l) as { error?: unknown });
    expect(json[1]?.error).toEqual({ name: 'BackendError', code: 'backend', status: 429, retryable: true });
  });

  it.each(['text', 'json'] as const)('never contains message content (%s)', async (format) => {
    const lines = await runTurn(format);
    expect(lines.join('\n')).not.toContain('butler');
    expect(lines.join('\n')).not.toContain('You narrate');
    expect(lines.join('\n')).not.toContain('Once upon');
  });

  it.each([
    [{ ROUTER_LLM_TIMING: '1' }, 'text'],
    [{ ROUTER_LLM_TIMING: 'json' }, 'json'],
    [{ ROUTER_LLM_TIMING: 'JSON' }, 'json'],
    [{ CHAT_LLM_TIMING: '1' }, 'text'],
    [{ CHAT_LLM_TIMING: 'true' }, 'text'],
    [{ ROUTER_LLM_TIMING: '0', CHAT_LLM_TIMING: '1' }, undefined],
    [{ ROUTER_LLM_TIMING: '' }, undefined],
    [{}, undefined],
  ])('%o → %s', (env, format) => {
    expect(timingLogFormatFromEnv(env)).toBe(format);
  });

  it('the environment switches the router log on, to stderr', async () => {
    process.env.ROUTER_LLM_TIMING = '1';
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const router = createRouter({ backends: { b: inMemoryBackend({ name: 'b' }) }, default: 'b' });
    await router.generate(msgs, { model: 'm' });
    expect(write.mock.calls.map((c) => String(c[0]))).toEqual([
      `LLM generate START [b] m in_chars=${inChars}\n`,
      expect.stringMatching(/^LLM generate END \[b\] m /),
    ]);
  });

  it('when off, nothing is formatted or written', async () => {
    delete process.env.ROUTER_LLM_TIMING;
    delete process.env.CHAT_LLM_TIMING;
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stringify = vi.spyOn(JSON, 'stringify');
    const router = createRouter({ backends: { b: inMemoryBackend({ name: 'b' }) }, default: 'b' });
    await router.generate(msgs, { model: 'm' });
    await router.stream(msgs, { model: 'm' }).collect();
    expect(write).not.toHaveBeenCalled();
    expect(stringify).not.toHaveBeenCalled();
  });
});
