import {
  UnsupportedFunctionalityError,
  type LanguageModelV3DataContent,
  type LanguageModelV3FilePart,
  type LanguageModelV3Prompt,
  type LanguageModelV3TextPart,
  type LanguageModelV3ToolResultOutput,
} from '@ai-sdk/provider';
import type { ContentPart, ImagePart, Message, ToolCallRequest } from '@router/core';

/**
 * The AI SDK's prompt as the router's messages. User text and images map
 * one to one; an assistant turn becomes its text and the tool calls it made;
 * each tool result becomes a `tool` message. Reasoning an earlier turn
 * produced is not replayed (the router's messages have no place for it, and
 * OpenAI-compatible services do not read it back). Anything the router
 * cannot carry (a PDF or audio file, a provider-executed tool's result)
 * fails here, before any request.
 */
export function messagesFrom(prompt: LanguageModelV3Prompt): Message[] {
  const messages: Message[] = [];
  for (const message of prompt) {
    switch (message.role) {
      case 'system':
        messages.push({ role: 'system', content: message.content });
        break;
      case 'user':
        messages.push({ role: 'user', content: userContent(message.content) });
        break;
      case 'assistant': {
        let text = '';
        let toolCalls: ToolCallRequest[] | undefined;
        for (const part of message.content) {
          if (part.type === 'text') text += part.text;
          else if (part.type === 'tool-call') {
            const args = typeof part.input === 'string' ? part.input : JSON.stringify(part.input ?? {});
            (toolCalls ??= []).push({ id: part.toolCallId, name: part.toolName, arguments: args });
          } else if (part.type !== 'reasoning') {
            throw new UnsupportedFunctionalityError({ functionality: `a ${part.type} part in an assistant message` });
          }
        }
        messages.push(toolCalls ? { role: 'assistant', content: text, toolCalls } : { role: 'assistant', content: text });
        break;
      }
      case 'tool':
        for (const part of message.content) {
          // Approvals answer provider-executed tools, which the router does not run.
          if (part.type === 'tool-result') messages.push({ role: 'tool', toolCallId: part.toolCallId, content: toolOutputText(part.output) });
        }
        break;
    }
  }
  return messages;
}

/** One text part as a plain string (what every backend reads most cheaply), anything else as parts. */
function userContent(parts: readonly (LanguageModelV3TextPart | LanguageModelV3FilePart)[]): string | ContentPart[] {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.type === 'text') return only.text;
  return parts.map((part): ContentPart => (part.type === 'text' ? { type: 'text', text: part.text } : imagePart(part)));
}

function imagePart(part: LanguageModelV3FilePart): ImagePart {
  // `image` alone or `image/*` is an image of a type the AI SDK did not detect (a URL it did not download).
  if (part.mediaType !== 'image' && !part.mediaType.startsWith('image/')) {
    throw new UnsupportedFunctionalityError({ functionality: `file parts of type ${part.mediaType} (the router carries images only)` });
  }
  const known = /^image\/[\w.+-]+$/.test(part.mediaType);
  return { type: 'image', image: imageData(part.data, part.mediaType), ...(known && { mediaType: part.mediaType }) };
}

/** The AI SDK passes bytes, base64 text or a URL; the router takes bytes, a data URL or an https URL. */
function imageData(data: LanguageModelV3DataContent, mediaType: string): ImagePart['image'] {
  if (data instanceof URL || data instanceof Uint8Array) return data;
  return data.startsWith('data:') || data.startsWith('https:') ? data : `data:${mediaType};base64,${data}`;
}

/** A tool's output as the text of a `tool` message, as OpenAI-compatible services take it. */
function toolOutputText(output: LanguageModelV3ToolResultOutput): string {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'execution-denied':
      return output.reason ?? 'The tool call was not approved.';
    default:
      return JSON.stringify(output.value);
  }
}
