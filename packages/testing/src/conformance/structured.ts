import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { bodyOf, conversation } from './helpers.ts';

const verdict = {
  type: 'object',
  properties: {
    mood: { type: 'string', enum: ['calm', 'tense'] },
    score: { type: 'integer', minimum: 1, maximum: 5 },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
  },
  required: ['mood', 'score', 'tags'],
  additionalProperties: false,
};

function satisfies(text: string): void {
  const reply = JSON.parse(text) as { mood: unknown; score: unknown; tags: unknown };
  expect(['calm', 'tense']).toContain(reply.mood);
  expect(Number.isInteger(reply.score) && (reply.score as number) >= 1 && (reply.score as number) <= 5).toBe(true);
  expect(Array.isArray(reply.tags) && reply.tags.length > 0).toBe(true);
}

/** Structured outputs, gated by `capabilities.structuredOutputs`: the schema goes out as `json_schema`, never downgraded. */
export function structuredOutputTests(ctx: ConformanceContext): void {
  const supported = ctx.capabilities.structuredOutputs === true;

  describe('structured outputs', () => {
    const generated = ctx.chatModel('structured-generate');
    const streamed = ctx.chatModel('structured-stream');
    const responseFormat = { type: 'json_schema', name: 'verdict', schema: verdict, strict: true } as const;

    it.skipIf(!supported)('generate and stream send response_format json_schema with its name and schema; the replies satisfy it (needs capabilities.structuredOutputs)', async () => {
      const client = ctx.client();
      satisfies((await client.generate(conversation, { model: generated, responseFormat })).text);
      satisfies((await client.stream(conversation, { model: streamed, responseFormat }).collect()).text);
      for (const model of [generated, streamed]) {
        const sent = bodyOf(await ctx.finishedRequest(model)).response_format as { type?: unknown; json_schema?: { name?: unknown; schema?: unknown } };
        expect(sent.type, model).toBe('json_schema');
        expect(sent.json_schema).toMatchObject({ name: 'verdict', schema: verdict });
      }
    });
  });
}
