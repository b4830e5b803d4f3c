import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { simulatedReply, startSimulator, type Simulator } from '@router/testing';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { simulatorFaults, simulatorModels, testModels } from './fixtures/router.ts';

const packageDir = join(import.meta.dirname, '..');
const key = 'gw-cli-key-0123456789';
const limitedKey = 'gw-cli-limited-0123456789';
const messages = [{ role: 'user' as const, content: 'Hello from a child process.' }];

interface Running {
  child: ChildProcess;
  url: string;
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves when a standard error line contains `text`. */
  stderrLine(text: string): Promise<void>;
}

const children = new Set<ChildProcess>();

/** Starts `router-gateway` from its source, as a user would start the built command. */
async function startCli(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, ['--conditions=@router/source', 'src/cli.ts', ...args], {
    cwd: packageDir,
    env: { ...process.env, GATEWAY_KEY: key, GATEWAY_LIMITED_KEY: limitedKey, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    for (const waiter of waiters.filter((w) => line.includes(w.text))) waiter.resolve();
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (stdout.length === 0) resolve(line);
      stdout.push(line);
    });
    void exited.then((code) => reject(new Error(`router-gateway exited (${code}) before listening:\n${stderr.join('\n')}`)));
  });
  const line = await firstLine;
  const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
  if (!match) throw new Error(`unexpected first line: ${line}`);
  return {
    child,
    url: match[1]!,
    stdout,
    stderr,
    exited,
    stderrLine: (text) => new Promise((resolve) => (stderr.some((l) => l.includes(text)) ? resolve() : waiters.push({ text, resolve }))),
  };
}

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ models: simulatorModels, faults: simulatorFaults });
});
afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children.clear();
});
afterAll(() => sim?.close());

const config = ['--config', 'test/fixtures/gateway.config.ts', '--port', '0'];

describe('router-gateway, the command', { timeout: 30_000 }, () => {
  it('listens on a free port, serves the openai SDK, and logs one JSON line per request', async () => {
    const gateway = await startCli(config, { SIM_BASE_URL: sim.baseURL('openai') });
    const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

    const completion = await client.chat.completions.create({ model: testModels.chat, messages });
    expect(completion.choices[0]?.message.content).toBe(simulatedReply({ model: testModels.chat, messages }));

    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: testModels.chat, messages, stream: true })) {
      streamed += chunk.choices[0]?.delta.content ?? '';
    }
    expect(streamed).toBe(simulatedReply({ model: testModels.chat, messages }));

    const vectors = await client.embeddings.create({ model: testModels.embed, input: ['one', 'two'] });
    expect(vectors.data.map((item) => item.embedding.length)).toEqual([8, 8]);

    const wrongKey = new OpenAI({ apiKey: 'wrong-key-0000000000', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await expect(wrongKey.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(client.chat.completions.create({ model: 'nobody/serves-this', messages })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.chat.completions.create({ model: testModels.chat, messages, top_p: 7 })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(client.chat.completions.create({ model: testModels.rateLimited, messages })).rejects.toBeInstanceOf(OpenAI.RateLimitError);

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    const lines = gateway.stdout.slice(1).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.status)).toEqual([200, 200, 200, 401, 404, 400, 429]);
    const everything = [...gateway.stdout, ...gateway.stderr].join('\n');
    expect(everything).not.toContain(key);
    expect(everything).not.toContain('child process');
  });

  it('on SIGTERM stops accepting connections, lets open streams finish, then exits 0', async () => {
    const gateway = await startCli(config, { SIM_BASE_URL: sim.baseURL('openai') });
    const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const streams = await Promise.all([1, 2, 3].map(() => client.chat.completions.create({ model: testModels.slow, messages, stream: true })));
    const readers = streams.map((stream) => stream[Symbol.asyncIterator]());
    // Every stream has begun before the signal.
    const firsts = await Promise.all(readers.map((reader) => reader.next()));
    gateway.child.kill('SIGTERM');
    await gateway.stderrLine('draining');
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
    const texts = await Promise.all(
      readers.map(async (reader, index) => {
        let text = firsts[index]!.done ? '' : (firsts[index]!.value.choices[0]?.delta.content ?? '');
        for (let result = await reader.next(); !result.done; result = await reader.next()) text += result.value.choices[0]?.delta.content ?? '';
        return text;
      }),
    );
    const expected = simulatedReply({ model: testModels.slow, messages, profile: simulatorModels[testModels.slow] });
    expect(texts).toEqual([expected, expected, expected]);
    expect(await gateway.exited).toBe(0);
    expect(gateway.stderr.join('\n')).toContain('0 requests cut');
  });

  it('cuts a stream still open at the drain timeout, and still exits 0', async () => {
    const gateway = await startCli(config, { SIM_BASE_URL: sim.baseURL('openai'), DRAIN_MS: '150' });
    const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: testModels.crawl, messages, stream: true });
    const reader = stream[Symbol.asyncIterator]();
    await reader.next();
    gateway.child.kill('SIGTERM');
    const rest = (async () => {
      for (let result = await reader.next(); !result.done; result = await reader.next());
    })();
    await expect(rest).rejects.toThrow();
    expect(await gateway.exited).toBe(0);
    expect(gateway.stderr.join('\n')).toContain('1 requests cut');
  });

  it('explains a missing --config and exits 2', async () => {
    const child = spawn(process.execPath, ['--conditions=@router/source', 'src/cli.ts', '--port', '0'], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('--config is required');
  });
});
