import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Dialect, type LoggedRequest, type Simulator } from '@router/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const main = join(import.meta.dirname, '..', 'src', 'main.ts');
const KEYS = { openrouter: 'sk-or-test-dummy-openrouter-key-0001', featherless: 'rc_test-dummy-featherless-key-0002' };
const fingerprint = (key: string): string => `Bearer sha256:${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const LOCAL_CLASSIFIER = 'mlx-community/Meta-Llama-3.1-8B-Instruct-4bit';

let simulator: Simulator;
let dir: string;

beforeAll(async () => {
  // The classifier answers after 150 ms (on every deployment), so calls made in parallel really overlap.
  simulator = await startSimulator({ models: { 'meta-llama/llama-3.1-8b-instruct': { ttftMs: 150 }, [LOCAL_CLASSIFIER]: { ttftMs: 150 } } });
  dir = mkdtempSync(join(tmpdir(), 'router-example-'));
});
afterAll(async () => {
  await simulator.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  simulator.clearFaults();
  simulator.reset();
});

/** Runs the app as a user would, in live mode, every base URL pointed at the simulator. */
function runApp(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@router/source', main, '--', '--db', join(dir, `${Math.random()}.sqlite`), ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          OPENROUTER_API_KEY: KEYS.openrouter,
          FEATHERLESS_API_KEY: KEYS.featherless,
          OPENROUTER_BASE_URL: simulator.baseURL('openrouter'),
          FEATHERLESS_BASE_URL: simulator.baseURL('featherless'),
          MLX_BASE_URL: simulator.baseURL('mlx'),
          ...env,
        },
        timeout: 60_000,
        ...(cwd !== undefined && { cwd }),
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const calls = (dialect: Dialect, path?: string): LoggedRequest[] =>
  simulator.requests.filter((r) => r.dialect === dialect && (path === undefined || r.path === path));

describe('.env', () => {
  it('is loaded from the working directory, and the environment wins over it', async () => {
    const home = join(dir, 'with-dotenv');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, '.env'), ['# as copied from .env.example', 'NARRATIVE_MODEL=Qwen/Qwen2.5-7B-Instruct', 'FEATHERLESS_API_KEY=rc_from-dotenv-loses', ''].join('\n'));
    const run = await runApp(['--json', '--characters', 'Ada,Brom'], {}, home);
    expect(run.code, run.stderr).toBe(0);
    const narrative = calls('featherless', '/chat/completions');
    expect(narrative).toHaveLength(2);
    for (const request of narrative) expect(request).toMatchObject({ model: 'Qwen/Qwen2.5-7B-Instruct', headers: { authorization: fingerprint(KEYS.featherless) } });
  });
});

/** The classifier alias's requests: OpenRouter (one pinned deployment per provider) and the local model on MLX. */
const classifierRequests = (requests: readonly LoggedRequest[]): LoggedRequest[] =>
  requests.filter((r) => r.dialect === 'openrouter' || (r.dialect === 'mlx' && r.path === '/chat/completions'));

describe('a live-mode turn against the simulator', () => {
  let run: Run;
  let output: {
    mode: string;
    reply: string;
    stateUpdates: { from: string; to: string; update?: { affinity: number; reason: string }; servedBy?: { backend: string; model: string } }[];
    calls: { op: string; backend: string; adapter?: string; model: string; attempts: number; ms: number; ok: boolean; toolCalls?: { name: string; arguments: string }[] }[];
    turnMs: number;
  };
  let requests: LoggedRequest[];

  beforeAll(async () => {
    run = await runApp(['--json', '--characters', 'Ada,Brom,Cyra']);
    requests = [...simulator.requests];
    output = JSON.parse(run.stdout) as typeof output;
  });

  it('prints nothing but one JSON object on stdout, in live mode', () => {
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(output.mode).toBe('live');
    expect(output.reply.length).toBeGreaterThan(0);
  });

  it('streams the narrative from Featherless with its tool round: recall is called, answered from memory, then the narration', () => {
    const narrative = requests.filter((r) => r.dialect === 'featherless');
    expect(narrative).toHaveLength(2);
    for (const request of narrative) expect(request).toMatchObject({ path: '/chat/completions', stream: true, model: 'mistralai/Mistral-Small-24B-Instruct-2501' });
    const [first, second] = narrative.map((request) => request.body as { tools?: { function: { name: string } }[]; messages: { role: string; tool_call_id?: string; tool_calls?: { id: string }[] }[] });
    expect(first!.tools?.map((tool) => tool.function.name)).toEqual(['recall']);
    // The second request replays the call and answers it: the tool round went through the router.
    const call = second!.messages.find((m) => m.role === 'assistant')?.tool_calls?.[0];
    expect(call).toBeDefined();
    expect(second!.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: call!.id });
    const stream = output.calls.filter((c) => c.op === 'stream');
    expect(stream.map((c) => c.toolCalls?.map((t) => t.name))).toEqual([['recall'], undefined]);
  });

  it('classifies all six directed pairs through the alias: OpenRouter pinned to one provider per deployment, or the local model; JSON mode, max_tokens <= 512', () => {
    const classifier = classifierRequests(requests);
    expect(classifier).toHaveLength(6);
    for (const request of classifier) {
      const body = request.body as { provider?: unknown; max_tokens?: number; response_format?: { type: string }; model: string };
      if (request.dialect === 'openrouter') {
        expect(body.model).toBe('meta-llama/llama-3.1-8b-instruct');
        expect([{ order: ['Cerebras'], allow_fallbacks: false }, { order: ['Groq'], allow_fallbacks: false }]).toContainEqual(body.provider);
      } else {
        expect(body.model).toBe(LOCAL_CLASSIFIER);
      }
      expect(body.max_tokens).toBeLessThanOrEqual(512);
      expect(body.response_format?.type).toMatch(/^json_/);
    }
    // Placed together before any was measured, the six calls spread over the three deployments.
    expect(new Set(output.stateUpdates.map((u) => u.servedBy?.backend))).toEqual(new Set(['openrouter-cerebras', 'openrouter-groq', 'local']));
    const pairs = output.stateUpdates.map((u) => `${u.from}->${u.to}`).sort();
    expect(pairs).toEqual(['Ada->Brom', 'Ada->Cyra', 'Brom->Ada', 'Brom->Cyra', 'Cyra->Ada', 'Cyra->Brom']);
    for (const { update } of output.stateUpdates) {
      expect(Number.isInteger(update?.affinity) && Math.abs(update!.affinity) <= 2).toBe(true);
      expect(typeof update?.reason).toBe('string');
    }
  });

  it('runs the classifier calls in parallel: every one started before any ended', () => {
    const classifier = classifierRequests(requests);
    const lastStart = Math.max(...classifier.map((r) => r.startedAt));
    const firstEnd = Math.min(...classifier.map((r) => r.endedAt ?? Number.POSITIVE_INFINITY));
    expect(lastStart).toBeLessThanOrEqual(firstEnd);
  });

  it('sends embeddings only to MLX, and nothing else to MLX but the local classifier', () => {
    const embeddings = requests.filter((r) => r.path === '/embeddings');
    expect(embeddings.length).toBeGreaterThanOrEqual(2); // the message for recall, then the turn's text
    expect(embeddings.every((r) => r.dialect === 'mlx')).toBe(true);
    expect(requests.filter((r) => r.dialect === 'mlx' && r.path !== '/embeddings').every((r) => r.model === LOCAL_CLASSIFIER)).toBe(true);
  });

  it('sends each key only to its own service, and never prints one', () => {
    for (const request of requests) {
      const auth = request.headers.authorization;
      if (request.dialect === 'openrouter') expect(auth).toBe(fingerprint(KEYS.openrouter));
      else if (request.dialect === 'featherless') expect(auth).toBe(fingerprint(KEYS.featherless));
      else expect([fingerprint(KEYS.openrouter), fingerprint(KEYS.featherless)]).not.toContain(auth);
    }
    for (const key of Object.values(KEYS)) {
      expect(run.stdout).not.toContain(key);
      expect(run.stderr).not.toContain(key);
    }
  });

  it('reports every call with its backend and model', () => {
    const byOp = (op: string) => output.calls.filter((c) => c.op === op);
    expect(byOp('stream')).toMatchObject([
      { backend: 'narrative', adapter: 'featherless', ok: true },
      { backend: 'narrative', adapter: 'featherless', ok: true },
    ]);
    expect(byOp('generate')).toHaveLength(6);
    expect(byOp('generate').every((c) => ['openrouter-cerebras', 'openrouter-groq', 'local'].includes(c.backend) && c.ok)).toBe(true);
    expect(byOp('generate').every((c) => c.adapter === (c.backend === 'local' ? 'mlx' : c.backend))).toBe(true);
    // Which deployment served each pair, with the model id it was asked for.
    const served = output.stateUpdates.map((u) => u.servedBy!.backend).sort();
    expect(served).toEqual(byOp('generate').map((c) => c.backend).sort());
    for (const { servedBy } of output.stateUpdates) expect(servedBy!.model).toBe(servedBy!.backend === 'local' ? LOCAL_CLASSIFIER : 'meta-llama/llama-3.1-8b-instruct');
    expect(byOp('embed').every((c) => c.backend === 'local' && c.adapter === 'mlx')).toBe(true);
    // The turn waits for every call it made.
    expect(Math.max(...[...byOp('generate'), ...byOp('stream')].map((c) => c.ms))).toBeLessThanOrEqual(output.turnMs);
  });
});

describe('configuration and failures', () => {
  it('gives the classifier alias one pinned deployment per CLASSIFIER_PROVIDERS entry, and no local one with LOCAL_CLASSIFIER_MODEL=none', async () => {
    const run = await runApp(['--json', '--characters', 'Ada,Brom'], { CLASSIFIER_PROVIDERS: 'Groq', LOCAL_CLASSIFIER_MODEL: 'none' });
    expect(run.code).toBe(0);
    const bodies = calls('openrouter').map((r) => (r.body as { provider: unknown }).provider);
    expect(bodies).toEqual([
      { order: ['Groq'], allow_fallbacks: false },
      { order: ['Groq'], allow_fallbacks: false },
    ]);
    expect(calls('mlx', '/chat/completions')).toEqual([]);
  });

  it('--sequential classifies the pairs one after another', async () => {
    const run = await runApp(['--json', '--sequential', '--characters', 'Ada,Brom,Cyra']);
    expect(run.code).toBe(0);
    const classifier = classifierRequests(simulator.requests).sort((a, b) => a.startedAt - b.startedAt);
    expect(classifier).toHaveLength(6);
    for (let i = 1; i < classifier.length; i++) expect(classifier[i]!.startedAt).toBeGreaterThanOrEqual(classifier[i - 1]!.endedAt!);
  });

  it('a refused key is one line naming the service, and a non-zero exit', async () => {
    simulator.addFault({ dialect: 'featherless', fault: { kind: 'status', status: 401 } });
    const run = await runApp([]);
    expect(run.code).not.toBe(0);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/featherless/i);
    expect(errors[0]).toMatch(/FEATHERLESS_API_KEY|key/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('an unreachable server is named by its URL', async () => {
    const run = await runApp([], { FEATHERLESS_BASE_URL: 'http://127.0.0.1:9/v1' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/error: .*http:\/\/127\.0\.0\.1:9\/v1/);
  });

  it('an interrupted narrative keeps the text shown and says so', async () => {
    simulator.addFault({ dialect: 'featherless', fault: { kind: 'close-mid-stream', afterChunks: 5 } });
    const run = await runApp([]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/Narrator: \S+/);
    expect(run.stderr).toMatch(/error: the narrative stream was interrupted after \d+ characters/);
  });

  it('a failed classifier pair is reported and the reply is kept', async () => {
    simulator.addFault({ dialect: 'openrouter', times: 1, fault: { kind: 'status', status: 400 } });
    const run = await runApp(['--json', '--characters', 'Ada,Brom']);
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout) as { reply: string; stateUpdates: { error?: string }[] };
    expect(output.reply.length).toBeGreaterThan(0);
    expect(output.stateUpdates.filter((u) => u.error)).toHaveLength(1);
  });

  it('accepts the flags as the README writes them, and rejects bad ones with usage', async () => {
    const help = await runApp(['--help']);
    expect(help.stdout).toMatch(/--characters A,B,C/);
    const bad = await runApp(['--turns', 'zero']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--turns must be a positive whole number/);
  });
});

describe('--otel', () => {
  it('prints the turn as a span tree: the recall, the narrative and the six parallel classifier calls under the turn, each with its attempt', async () => {
    const run = await runApp(['--json', '--otel', '--characters', 'Ada,Brom,Cyra']);
    expect(run.code).toBe(0);
    // With --json the tree goes to standard error and standard output stays one JSON object.
    expect(() => JSON.parse(run.stdout) as unknown).not.toThrow();
    const lines = run.stderr.split('\n');
    const tree = lines.slice(lines.findIndex((line) => /^turn {2}\d+ ms$/.test(line))).filter((line) => line !== '');
    expect(tree[0]).toMatch(/^turn {2}\d+ ms$/);
    const calls = tree.filter((line) => /^[├└]─ /.test(line));
    // The classifier is an alias: its calls are routed under the alias's name, each attempt on the deployment that served.
    expect(calls.filter((line) => /^├─ chat meta-llama\/llama-3\.1-8b-instruct {2}\d+ ms {2}\(meta-llama\/llama-3\.1-8b-instruct\)$/.test(line))).toHaveLength(6);
    expect(calls.filter((line) => /^├─ chat mistralai\/Mistral-Small-24B-Instruct-2501 {2}\d+ ms {2}\(narrative, first chunk \d+ ms\)$/.test(line))).toHaveLength(1);
    expect(calls.filter((line) => line.includes(' embeddings mlx-community/')).length).toBeGreaterThanOrEqual(1);
    // Every call has exactly one attempt under it: on its own backend, or on one of the alias's deployments.
    calls.forEach((call) => {
      const at = tree.indexOf(call);
      const routedTo = /\(([\w/.-]+)/.exec(call)?.[1];
      const backends = routedTo?.includes('/') ? '(openrouter-cerebras|openrouter-groq|local)' : routedTo;
      expect(tree[at + 1]).toMatch(new RegExp(`^[│ ] {2}└─ attempt ${backends} {2}\\d+ ms$`));
    });
    expect(tree).toHaveLength(1 + calls.length * 2);
    // A whole turn in a child process: allow what runApp allows, so a loaded machine does not fail it.
  }, 60_000);
});
