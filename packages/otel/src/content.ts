import type { Message } from '@router/core';

/**
 * Messages in the conventions' JSON shape for `gen_ai.input.messages` and
 * `gen_ai.output.messages`: role, text parts, and the finish reason on output.
 * Only ever called when the application opted in to content capture.
 */
export function inputMessages(messages: readonly Message[]): string {
  return JSON.stringify(
    messages.map((message) => ({
      role: message.role,
      ...(message.name !== undefined && { name: message.name }),
      parts: [{ type: 'text', content: message.content }],
    })),
  );
}

export function outputMessages(text: string, finishReason: string): string {
  return JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: finishReason }]);
}
