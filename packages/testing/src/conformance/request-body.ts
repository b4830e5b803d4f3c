import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { bodyOf, conversation, extraField } from './helpers.ts';

const schema = {
  type: 'object',
  properties: {
    mood: { type: 'string', enum: ['calm', 'tense'] },
    score: { type: 'integer', minimum: 1, maximum: 5 },
  },
  required: ['mood', 'score'],
};

export function requestBodyTests(ctx: ConformanceContext): void {
  describe('what reaches the wire', () => {
    const jsonObject = ctx.chatModel('json-object');
    const jsonSchema = ctx.chatModel('json-schema');
    const jsonStream = ctx.chatModel('json-stream');
    const extra = ctx.chatModel('extra-body');
    const headers = ctx.chatModel('headers');
    const noJson = !ctx.capabilities.jsonMode;

    it.skipIf(noJson)('JSON mode: json_object is sent as response_format and the reply parses (needs capabilities.jsonMode)', async () => {
      const completion = await ctx.client().generate(conversation, { model: jsonObject, responseFormat: { type: 'json_object' } });
      expect(bodyOf(await ctx.finishedRequest(jsonObject)).response_format).toEqual({ type: 'json_object' });
      expect(JSON.parse(completion.text)).toBeTypeOf('object');
    });

    it.skipIf(noJson)('JSON mode: json_schema sends the schema and the reply satisfies it (needs capabilities.jsonMode)', async () => {
      const responseFormat = { type: 'json_schema', name: 'verdict', schema } as const;
      const completion = await ctx.client().generate(conversation, { model: jsonSchema, responseFormat });
      const sent = bodyOf(await ctx.finishedRequest(jsonSchema)).response_format as { type: string; json_schema?: { schema?: unknown } };
      expect(sent.type).toBe('json_schema');
      expect(sent.json_schema?.schema).toEqual(schema);
      const reply = JSON.parse(completion.text) as { mood: unknown; score: unknown };
      expect(['calm', 'tense']).toContain(reply.mood);
      expect(Number.isInteger(reply.score) && (reply.score as number) >= 1 && (reply.score as number) <= 5).toBe(true);
    });

    it.skipIf(noJson)('JSON mode: a streamed JSON reply joins into valid JSON (needs capabilities.jsonMode)', async () => {
      const completion = await ctx.client().stream(conversation, { model: jsonStream, responseFormat: { type: 'json_object' } }).collect();
      expect(JSON.parse(completion.text)).toBeTypeOf('object');
    });

    it('extraBody fields arrive in the request body', async () => {
      const extraBody = { top_k: 7, conformance_probe: 'extra-body-probe' };
      await ctx.client().generate(conversation, { model: extra, extraBody });
      const body = bodyOf(await ctx.finishedRequest(extra));
      expect(extraField(body, 'top_k')).toBe(7);
      expect(extraField(body, 'conformance_probe')).toBe('extra-body-probe');
    });

    it('options.headers reach the wire, for generate and for streams', async () => {
      const client = ctx.client();
      await client.generate(conversation, { model: headers, headers: { 'x-conformance-probe': 'generate' } });
      await client.stream(conversation, { model: headers, headers: { 'x-conformance-probe': 'stream' } }).collect();
      expect(ctx.requestsFor(headers).map((request) => request.headers['x-conformance-probe'])).toEqual(['generate', 'stream']);
    });
  });
}
