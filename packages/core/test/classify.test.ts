import { describe, expect, it } from 'vitest';
import { classify } from '../src/classify.ts';
import {
  BackendError,
  ClassifyError,
  type BackendCall,
  type Message,
  type StandardSchemaV1,
} from '../src/index.ts';
import { createBackend } from '../src/adapter.ts';

type Intent = { label: 'attack' | 'talk' | 'move'; confidence: number };
const labels = new Set(['attack', 'talk', 'move']);

/** A hand-written Standard Schema v1 validator, as zod, valibot or arktype would provide; reports every issue. */
const IntentSchema: StandardSchemaV1<unknown, Intent> = {
  '~standard': {
    version: 1,
    vendor: 'hand-written',
    validate(value) {
      if (typeof value !== 'object' || value === null) return { issues: [{ message: 'expected an object' }] };
      const record = value as Record<string, unknown>;
      const issues: { message: string; path: (PropertyKey | { key: PropertyKey })[] }[] = [];
      if (typeof record.label !== 'string' || !labels.has(record.label)) issues.push({ message: 'must be attack, talk or move', path: ['label'] });
      if (typeof record.confidence !== 'number') issues.push({ message: 'must be a number', path: [{ key: 'confidence' }] });
      return issues.length > 0 ? { issues } : { value: record as Intent };
    },
  },
};

/** A backend that answers with the given replies in turn and records what it was asked. */
function replying(...replies: (string | Error)[]) {
  const calls: BackendCall[] = [];
  const backend = createBackend({
    name: 'classifier',
    async generate(call) {
      calls.push(call);
      const reply = replies.shift() ?? '{}';
      if (reply instanceof Error) throw reply;
      return { text: reply, finishReason: 'stop' };
    },
    async *stream() {
      yield { type: 'finish', finishReason: 'stop' };
    },
  });
  return { backend, calls };
}

const messages: Message[] = [
  { role: 'system', content: 'Classify the intent as JSON {label, confidence}.' },
  { role: 'user', content: 'I draw my sword.' },
];

describe('classify', () => {
  it('asks for JSON with maxTokens 512 and returns the validated value', async () => {
    const { backend, calls } = replying('{"label":"attack","confidence":0.9}');
    const intent: Intent = await classify(backend, messages, { model: 'fast', schema: IntentSchema });
    expect(intent).toEqual({ label: 'attack', confidence: 0.9 });
    expect(calls[0]!.options).toMatchObject({ model: 'fast', maxTokens: 512, responseFormat: { type: 'json_object' } });
    expect(calls[0]!.messages).toEqual(messages);
  });

  it('keeps a maxTokens and response format the caller chose', async () => {
    const { backend, calls } = replying('{"label":"talk","confidence":1}');
    const format = { type: 'json_schema' as const, name: 'intent', schema: { type: 'object' } };
    await classify(backend, messages, { model: 'fast', schema: IntentSchema, maxTokens: 64, responseFormat: format });
    expect(calls[0]!.options).toMatchObject({ maxTokens: 64, responseFormat: format });
  });

  it('tolerates a Markdown code fence around the JSON', async () => {
    const { backend } = replying('```json\n{"label":"move","confidence":0.5}\n```');
    expect(await classify(backend, messages, { model: 'fast', schema: IntentSchema })).toEqual({ label: 'move', confidence: 0.5 });
  });

  it('on invalid JSON asks again, quoting its answer and stating the problem', async () => {
    const { backend, calls } = replying('Sure! The intent is attack.', '{"label":"attack","confidence":0.8}');
    expect(await classify(backend, messages, { model: 'fast', schema: IntentSchema })).toEqual({ label: 'attack', confidence: 0.8 });
    expect(calls).toHaveLength(2);
    const retry = calls[1]!.messages;
    expect(retry.slice(0, 2)).toEqual(messages);
    expect(retry[2]).toEqual({ role: 'assistant', content: 'Sure! The intent is attack.' });
    expect(retry[3]!.role).toBe('user');
    expect(retry[3]!.content).toContain('not valid JSON');
  });

  it('on a failed validation names every issue with its path', async () => {
    const { backend, calls } = replying('{"label":"dance"}', '{"label":"talk","confidence":0.3}');
    await classify(backend, messages, { model: 'fast', schema: IntentSchema });
    expect(calls[1]!.messages[3]!.content).toContain('label: must be attack, talk or move; confidence: must be a number');
  });

  it('after maxRepairs, asks the fallback model afresh', async () => {
    const { backend, calls } = replying('nope', 'still nope', '{"label":"move","confidence":1}');
    const intent = await classify(backend, messages, { model: 'fast', schema: IntentSchema, maxRepairs: 1, fallbackModel: 'big' });
    expect(intent.label).toBe('move');
    expect(calls.map((c) => c.options.model)).toEqual(['fast', 'fast', 'big']);
    expect(calls[2]!.messages).toEqual(messages);
  });

  it('throws ClassifyError with the raw text and every issue once all tries are spent', async () => {
    const { backend, calls } = replying('{"label":"dance"}', '{"label":"dance"}', '{"label":"sing","confidence":"high"}');
    const error = await classify(backend, messages, { model: 'fast', schema: IntentSchema, maxRepairs: 2 }).catch((e: unknown) => e);
    expect(calls).toHaveLength(3);
    expect(ClassifyError.isInstance(error)).toBe(true);
    const typed = error as ClassifyError;
    expect(typed.text).toBe('{"label":"sing","confidence":"high"}');
    expect(typed.issues).toEqual([
      { message: 'must be attack, talk or move', path: ['label'] },
      { message: 'must be a number', path: ['confidence'] },
    ]);
    expect(typed.message).toContain('label: must be attack, talk or move');
    expect(typed.isRetryable).toBe(false);
  });

  it('accepts a plain validation function', async () => {
    const { backend, calls } = replying('{"n":-1}', '{"n":3}');
    const positive = (value: unknown): number => {
      const n = (value as { n?: unknown }).n;
      if (typeof n !== 'number' || n <= 0) throw new Error('n must be a positive number');
      return n;
    };
    expect(await classify(backend, messages, { model: 'fast', schema: positive })).toBe(3);
    expect(calls[1]!.messages[3]!.content).toContain('n must be a positive number');
  });

  it('accepts a validator that answers asynchronously', async () => {
    const asyncSchema: StandardSchemaV1<unknown, { ok: true }> = {
      '~standard': {
        version: 1,
        vendor: 'async',
        validate: async (value) => ((value as { ok?: unknown }).ok === true ? { value: { ok: true } } : { issues: [{ message: 'ok must be true' }] }),
      },
    };
    const { backend } = replying('{"ok":false}', '{"ok":true}');
    expect(await classify(backend, messages, { model: 'fast', schema: asyncSchema })).toEqual({ ok: true });
  });

  it('lets backend errors through unchanged', async () => {
    const { backend } = replying(new BackendError('503', { status: 503, isRetryable: true }));
    await expect(classify(backend, messages, { model: 'fast', schema: IntentSchema })).rejects.toMatchObject({ status: 503 });
  });

  it('one deadline covers every request it makes', async () => {
    const { backend, calls } = replying('x', 'y', '{"label":"talk","confidence":1}');
    await classify(backend, messages, { model: 'fast', schema: IntentSchema, timeoutMs: 5000 });
    const deadlines = new Set(calls.map((c) => c.options.deadline));
    expect(deadlines.size).toBe(1);
    expect(calls.every((c) => c.options.timeoutMs === undefined)).toBe(true);
  });
});
