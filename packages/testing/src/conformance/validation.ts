import { InvalidRequestError, type CallOptions, type Message } from '@router/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { conversation, drain, expectError, rejectionOf, withoutRequests } from './helpers.ts';

interface BadChatCall {
  label: string;
  field: string;
  messages: readonly Message[];
  options: CallOptions;
}

const user = (content: unknown): Message => ({ role: 'user', content }) as Message;

function badChatCalls(model: string): BadChatCall[] {
  return [
    { label: 'no model', field: 'options.model', messages: conversation, options: {} as CallOptions },
    { label: 'empty messages', field: 'messages', messages: [], options: { model } },
    { label: 'an unknown role', field: 'messages[0].role', messages: [{ role: 'function', content: 'x' } as unknown as Message], options: { model } },
    { label: 'a tool message without a call id', field: 'messages[2].toolCallId', messages: [...conversation, { role: 'tool', content: 'x' } as unknown as Message], options: { model } },
    {
      label: 'a tool result for a call no assistant message made',
      field: 'messages[2].toolCallId',
      messages: [...conversation, { role: 'tool', toolCallId: 'call_unknown', content: 'x' }],
      options: { model },
    },
    { label: 'non-string content', field: 'messages[0].content', messages: [user(42)], options: { model } },
    { label: 'temperature 3', field: 'options.temperature', messages: conversation, options: { model, temperature: 3 } },
    { label: 'maxTokens 0', field: 'options.maxTokens', messages: conversation, options: { model, maxTokens: 0 } },
  ];
}

/** Bad input is rejected by the client, naming the field, before anything reaches the network. */
export function validationTests(ctx: ConformanceContext): void {
  describe('bad input', () => {
    const model = ctx.chatModel('bad-input');
    const embeddingModel = ctx.embeddingModel('bad-input');

    for (const { label, field, messages, options } of badChatCalls(model)) {
      it(`${label}: generate and stream reject with InvalidRequestError naming ${field}, sending nothing`, async () => {
        const client = ctx.client();
        await withoutRequests(ctx, async () => {
          const viaGenerate = expectError(await rejectionOf(client.generate(messages, options)), InvalidRequestError);
          expect(viaGenerate.field).toBe(field);
          const viaStream = expectError((await drain(client.stream(messages, options))).error, InvalidRequestError);
          expect(viaStream.field).toBe(field);
        });
      });
    }

    for (const input of ['', []] as const) {
      it(`embed input ${JSON.stringify(input)} rejects with InvalidRequestError naming input, sending nothing`, async () => {
        await withoutRequests(ctx, async () => {
          const error = expectError(await rejectionOf(ctx.client().embed(input, { model: embeddingModel })), InvalidRequestError);
          expect(error.field).toBe('input');
        });
      });
    }
  });
}
