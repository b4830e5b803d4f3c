// Cross-check of core's `classify` with a real Standard Schema library. It lives here only because zod is
// installed in this package; core itself has no dependency on any validator.
import { ClassifyError, type Message } from '@router/core';
import { createBackend } from '@router/core/adapter';
import { classify } from '@router/core/classify';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const Intent = z.object({ label: z.enum(['attack', 'talk', 'move']), confidence: z.number().min(0).max(1) });

function replying(...replies: string[]) {
  const asked: (readonly Message[])[] = [];
  const backend = createBackend({
    name: 'classifier',
    async generate(call) {
      asked.push(call.messages);
      return { text: replies.shift() ?? '{}', finishReason: 'stop' };
    },
    async *stream() {
      yield { type: 'finish', finishReason: 'stop' };
    },
  });
  return { backend, asked };
}

const messages: Message[] = [{ role: 'user', content: 'I draw my sword.' }];

describe('classify with zod 4', () => {
  it('infers the type from the schema and returns the parsed value', async () => {
    const { backend } = replying('{"label":"attack","confidence":0.9}');
    const intent = await classify(backend, messages, { model: 'fast', schema: Intent });
    expectTypeOf(intent).toEqualTypeOf<z.infer<typeof Intent>>();
    expect(intent).toEqual({ label: 'attack', confidence: 0.9 });
  });

  it("states zod's issues with their paths when it asks again, and reports them all", async () => {
    const { backend, asked } = replying('{"label":"dance","confidence":3}', '{"label":"dance","confidence":3}');
    const error = await classify(backend, messages, { model: 'fast', schema: Intent, maxRepairs: 1 }).catch((e: unknown) => e);
    expect(asked[1]?.at(-1)?.content).toMatch(/label: .*; confidence: /);
    expect(ClassifyError.isInstance(error)).toBe(true);
    expect((error as ClassifyError).issues.map((issue) => issue.path)).toEqual([['label'], ['confidence']]);
  });
});
