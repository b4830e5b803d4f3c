import type { LanguageModelV4FilePart, LanguageModelV4Prompt, LanguageModelV4TextPart } from '@ai-sdk/provider';
import type { ContentPart, Message, ToolCallRequest } from '@router/core';

/**
 * Core's messages as the AI SDK's prompt, which the provider package turns
 * into OpenRouter's chat messages: system messages stay where they are, image
 * parts become file parts, an assistant's tool calls become tool-call parts and
 * a tool message a tool result (named after the call it answers).
 */
export function promptFrom(messages: readonly Message[]): LanguageModelV4Prompt {
  let toolNames: Map<string, string> | undefined;
  return messages.map((message) => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content };
      case 'user':
        return {
          role: 'user',
          content: typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content.map(userPart),
        };
      case 'assistant': {
        const content: ({ type: 'text'; text: string } | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown })[] = [];
        if (message.content !== '') content.push({ type: 'text', text: message.content });
        for (const call of message.toolCalls ?? []) {
          (toolNames ??= new Map()).set(call.id, call.name);
          content.push({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: replayedInput(call) });
        }
        return { role: 'assistant', content };
      }
      case 'tool':
        return {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: message.toolCallId,
              // Core's validation made sure an earlier assistant message made this call.
              toolName: toolNames?.get(message.toolCallId) ?? '',
              output: { type: 'text', value: message.content },
            },
          ],
        };
    }
  });
}

function userPart(part: ContentPart): LanguageModelV4TextPart | LanguageModelV4FilePart {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const { image } = part;
  if (image instanceof Uint8Array) return { type: 'file', mediaType: part.mediaType ?? 'image/*', data: { type: 'data', data: image } };
  const url = typeof image === 'string' ? image : image.href;
  // The provider package sends an image part's URL (https: or data:) as it is; it only needs to know the part is an image.
  return { type: 'file', mediaType: part.mediaType ?? dataUrlMediaType(url) ?? 'image/*', data: { type: 'url', url: new URL(url) } };
}

function dataUrlMediaType(url: string): string | undefined {
  if (!url.startsWith('data:')) return undefined;
  const end = url.indexOf(';');
  return end > 5 ? url.slice(5, end) : undefined;
}

/**
 * The provider package writes a replayed call's arguments with `JSON.stringify`
 * of its input, so the input must be the parsed arguments; arguments that are
 * not JSON go back as the JSON string of their text.
 */
function replayedInput(call: ToolCallRequest): unknown {
  if (call.arguments.trim() === '') return {};
  try {
    return JSON.parse(call.arguments);
  } catch {
    return call.arguments;
  }
}
