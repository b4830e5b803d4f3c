import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { simulatedReply, startSimulator, type Simulator } from '@router/testing';
import { embed, generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { children, key, startCli, type Running } from './fixtures/cli.ts';
import { simulatorFaults, simulatorModels, testModels } from './fixtures/router.ts';

// Clients other than the `openai` SDK, against router-gateway started as a child process.
const prompt = 'Hello from another client.';
const expected = simulatedReply({ model: testModels.chat, messages: [{ role: 'user', content: prompt }] });

let sim: Simulator;
let gateway: Running;
beforeAll(async () => {
  sim = await startSimulator({ models: simulatorModels, faults: simulatorFaults });
  gateway = await startCli(['--config', 'test/fixtures/gateway.config.ts', '--port', '0'], { SIM_BASE_URL: sim.baseURL('openai') });
}, 30_000);
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children.clear();
  await sim?.close();
});

describe('the AI SDK through @ai-sdk/openai-compatible', () => {
  const provider = () => createOpenAICompatible({ name: 'gateway', baseURL: `${gateway.url}/v1`, apiKey: key, includeUsage: true });

  it('generateText', async () => {
    const result = await generateText({ model: provider().chatModel(testModels.chat), prompt, maxRetries: 0 });
    expect(result.text).toBe(expected);
    expect(result.usage.outputTokens).toBe(24);
  });

  it('streamText, every part read from fullStream', async () => {
    const result = streamText({ model: provider().chatModel(testModels.chat), prompt, maxRetries: 0 });
    let text = '';
    for await (const part of result.fullStream) {
      if (part.type === 'error') throw part.error;
      if (part.type === 'text-delta') text += part.text;
    }
    expect(text).toBe(expected);
    expect((await result.usage).outputTokens).toBe(24);
  });

  it('embed', async () => {
    const result = await embed({ model: provider().embeddingModel(testModels.embed), value: 'a lighthouse', maxRetries: 0 });
    expect(result.embedding).toHaveLength(8);
  });
});

describe("LangChain's ChatOpenAI", () => {
  const chat = () => new ChatOpenAI({ model: testModels.chat, apiKey: key, configuration: { baseURL: `${gateway.url}/v1` }, maxRetries: 0 });

  it('invoke', async () => {
    const message = await chat().invoke(prompt);
    expect(message.content).toBe(expected);
  });

  it('stream', async () => {
    let text = '';
    for await (const chunk of await chat().stream(prompt)) text += String(chunk.content);
    expect(text).toBe(expected);
  });
});

const hasCurl = ((): boolean => {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasCurl)('curl (skipped where the machine has no curl)', () => {
  const curl = (body: object): Promise<string> =>
    promisify(execFile)('curl', [
      '-sN',
      `${gateway.url}/v1/chat/completions`,
      '-H',
      `authorization: Bearer ${key}`,
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify(body),
    ]).then(({ stdout }) => stdout);
  const messages = [{ role: 'user', content: prompt }];

  it('a JSON answer', async () => {
    const body = JSON.parse(await curl({ model: testModels.chat, messages })) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toBe(expected);
  });

  it('an SSE stream ending in [DONE]', async () => {
    const events = (await curl({ model: testModels.chat, messages, stream: true })).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const text = events
      .slice(0, -1)
      .map((event) => (JSON.parse(event.slice('data: '.length)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe(expected);
  });
});
