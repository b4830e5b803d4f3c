import { describe, expect, it } from 'vitest';
import { simulatedEmbedding } from '../../src/simulator/embeddings.ts';
import { featherlessUnitCost, modelSizeInBillions } from '../../src/simulator/featherless-plan.ts';
import { splitPieces } from '../../src/simulator/split-writes.ts';
import { planReply, simulatedReply, tokenize } from '../../src/simulator/text.ts';

const messages = [{ role: 'user', content: 'Tell me a story' }];

describe('simulatedReply', () => {
  it('is the same for the same inputs and changes with seed, model or messages', () => {
    const base = simulatedReply({ model: 'm', messages });
    expect(simulatedReply({ model: 'm', messages })).toBe(base);
    expect(simulatedReply({ model: 'm', messages, seed: 2 })).not.toBe(base);
    expect(simulatedReply({ model: 'other', messages })).not.toBe(base);
    expect(simulatedReply({ model: 'm', messages: [{ role: 'user', content: 'Tell me a poem' }] })).not.toBe(base);
    expect(simulatedReply({ model: 'm', messages: [{ role: 'system', content: 'Tell me a story' }] })).not.toBe(base);
  });

  it('has outputTokens word tokens and multi-byte characters of 2, 3 or 4 bytes', () => {
    const text = simulatedReply({ model: 'm', messages, profile: { outputTokens: 40 } });
    expect(tokenize(text)).toHaveLength(40);
    expect(Buffer.byteLength(text)).toBeGreaterThan(text.length);
    // Every fourth word is multi-byte, so a long reply always has some.
    const multibyte = tokenize(text).filter((token) => Buffer.byteLength(token) > token.length);
    expect(multibyte.length).toBeGreaterThanOrEqual(10);
  });

  it('cuts at maxTokens with finish reason "length", else "stop"', () => {
    const full = planReply({ model: 'm', messages });
    expect(full.finishReason).toBe('stop');
    expect(full.tokens).toHaveLength(24);
    const cut = planReply({ model: 'm', messages, maxTokens: 5 });
    expect(cut.finishReason).toBe('length');
    expect(cut.tokens).toEqual(full.tokens.slice(0, 5));
    expect(planReply({ model: 'm', messages, maxTokens: 24 }).finishReason).toBe('stop');
  });

  it('uses a fixed reply when the profile has one, tokenised the same way', () => {
    const reply = '  Héllo   wörld, 🙂 done';
    expect(simulatedReply({ model: 'm', messages, profile: { reply } })).toBe(reply);
    expect(tokenize(reply).join('')).toBe(reply);
    expect(simulatedReply({ model: 'm', messages, profile: { reply }, maxTokens: 2 })).toBe('  Héllo   wörld, ');
    expect(simulatedReply({ model: 'm', messages, profile: { reply: '' } })).toBe('');
  });

  it('answers one JSON object in json_object mode', () => {
    const text = simulatedReply({ model: 'm', messages, responseFormat: { type: 'json_object' } });
    const value = JSON.parse(text) as Record<string, unknown>;
    expect(typeof value).toBe('object');
    expect(Object.keys(value).length).toBeGreaterThan(0);
    expect(tokenize(text).length).toBeGreaterThan(3);
  });

  it('satisfies simple json_schema constraints', () => {
    const schema = {
      type: 'object',
      properties: {
        age: { type: 'integer', minimum: 18, maximum: 20 },
        ratio: { type: 'number', minimum: 0.5, maximum: 0.6 },
        open: { type: 'number', exclusiveMinimum: 1, exclusiveMaximum: 2 },
        name: { type: 'string' },
        ok: { type: 'boolean' },
        color: { enum: ['red', 'green'] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        nested: { type: 'object', properties: { n: { type: 'integer', minimum: 5, maximum: 5 } } },
      },
      required: ['age'],
    };
    for (let seed = 1; seed <= 30; seed++) {
      const text = simulatedReply({ model: 'm', messages, seed, responseFormat: { type: 'json_schema', json_schema: { name: 'x', schema } } });
      const value = JSON.parse(text) as Record<string, any>;
      expect(Number.isInteger(value.age) && value.age >= 18 && value.age <= 20).toBe(true);
      expect(value.ratio >= 0.5 && value.ratio <= 0.6).toBe(true);
      expect(value.open > 1 && value.open < 2).toBe(true);
      expect(typeof value.name).toBe('string');
      expect(typeof value.ok).toBe('boolean');
      expect(['red', 'green']).toContain(value.color);
      expect(value.tags).toHaveLength(2);
      expect(value.nested).toEqual({ n: 5 });
    }
  });

  it('falls back to a small object for a schema without properties', () => {
    const text = simulatedReply({ model: 'm', messages, responseFormat: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } });
    expect(Object.keys(JSON.parse(text) as object).length).toBeGreaterThan(0);
  });
});

describe('simulatedEmbedding', () => {
  it('is a deterministic unit vector per text, seed and dimension', () => {
    const a = simulatedEmbedding('hello');
    expect(a).toHaveLength(384);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    expect(simulatedEmbedding('hello')).toEqual(a);
    expect(simulatedEmbedding('hello!')).not.toEqual(a);
    expect(simulatedEmbedding('hello', { seed: 2 })).not.toEqual(a);
    const short = simulatedEmbedding('hello', { dimensions: 8 });
    expect(short).toHaveLength(8);
    expect(Math.hypot(...short)).toBeCloseTo(1, 5);
    // float32 values, as base64 carries them
    for (const x of short) expect(Math.fround(x)).toBe(x);
  });
});

describe('featherless unit cost', () => {
  it('reads the size from the id: up to 15B → 1, up to 34B → 2, larger → 4, unknown → 1', () => {
    expect(modelSizeInBillions('Qwen/Qwen2.5-7B-Instruct')).toBe(7);
    expect(modelSizeInBillions('mistralai/Mixtral-8x7B-Instruct-v0.1')).toBe(56);
    expect(featherlessUnitCost('Qwen/Qwen2.5-7B-Instruct')).toBe(1);
    expect(featherlessUnitCost('meta-llama/Llama-2-13b-chat-hf')).toBe(1);
    expect(featherlessUnitCost('Qwen/Qwen2.5-0.5B-Instruct')).toBe(1);
    expect(featherlessUnitCost('mistralai/Mistral-Small-24B-Instruct-2501')).toBe(2);
    expect(featherlessUnitCost('Qwen/Qwen2.5-Coder-32B-Instruct')).toBe(2);
    expect(featherlessUnitCost('meta-llama/Llama-3.3-70B-Instruct')).toBe(4);
    expect(featherlessUnitCost('deepseek-ai/DeepSeek-V3-0324')).toBe(4);
    // A size in the id wins over the family: the adapter's limiter counts it the same way.
    expect(featherlessUnitCost('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B')).toBe(1);
    expect(featherlessUnitCost('some-org/mystery-model')).toBe(1);
  });
});

describe('split pieces', () => {
  it('cuts inside every multi-byte character and after every \\r, and loses no byte', () => {
    const bytes = Buffer.from('data: {"a":"café 🙂 — x"}\r\n\r\n', 'utf8');
    const pieces = splitPieces(bytes);
    expect(Buffer.concat(pieces)).toEqual(bytes);
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const broken = pieces.filter((piece) => {
      try {
        fatal.decode(piece);
        return false;
      } catch {
        return true;
      }
    });
    // é, 🙂 and — each cut in two: at least three pieces end inside a character.
    expect(broken.length).toBeGreaterThanOrEqual(3);
    expect(pieces.some((piece) => piece.at(-1) === 0x0d)).toBe(true);
  });
});
