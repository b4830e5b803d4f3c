import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { simulatedReply, startSimulator, type Simulator } from '@router/testing';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { children, key, packageDir, startCli } from './fixtures/cli.ts';
import { simulatorFaults, simulatorModels, testModels } from './fixtures/router.ts';

const messages = [{ role: 'user' as const, content: 'Hello from a child process.' }];

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
