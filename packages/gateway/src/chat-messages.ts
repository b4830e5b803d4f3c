import type { AssistantMessage, ContentPart, ImagePart, Message, ToolCallRequest } from '@router/core';
import { badField } from './errors.ts';
import { isObject, type JsonObject } from './json.ts';

/** A base64 image data URL, the one inline form the OpenAI wire takes. */
const dataImageUrl = /^data:image\/[\w.+-]+;base64,/;
const details: ReadonlySet<string> = new Set(['auto', 'low', 'high']);

/**
 * Reads `messages` into the router's messages, naming the first bad field in
 * the wire's spelling. A user message whose parts are all text stays one
 * string: the text path sends what it always sent.
 */
export function readMessages(value: unknown): Message[] {
  if (!Array.isArray(value) || value.length === 0) throw badField('messages', 'must be a non-empty array of { role, content }.');
  const messages: Message[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const entry: unknown = value[i];
    const at = `messages[${i}]`;
    if (!isObject(entry)) throw badField(at, 'must be an object { role, content }.');
    const message = readMessage(entry, at);
    if (typeof entry.name === 'string' && message.role !== 'tool') message.name = entry.name;
    messages[i] = message;
  }
  return messages;
}

function readMessage(entry: JsonObject, at: string): Message {
  switch (entry.role) {
    case 'system':
    case 'developer':
      noToolCalls(entry, at);
      return { role: 'system', content: readText(entry.content, `${at}.content`) };
    case 'user':
      noToolCalls(entry, at);
      return { role: 'user', content: readUserContent(entry.content, `${at}.content`) };
    case 'assistant':
      return readAssistant(entry, at);
    case 'tool': {
      const id = entry.tool_call_id;
      if (typeof id !== 'string' || id === '') throw badField(`${at}.tool_call_id`, 'is required: the id of the tool call this message answers.');
      noToolCalls(entry, at);
      return { role: 'tool', toolCallId: id, content: readText(entry.content, `${at}.content`) };
    }
    case 'function':
      throw badField(`${at}.role`, '"function" (the deprecated function-calling API) is not supported: send `tools` and "tool" messages.');
    default:
      throw badField(`${at}.role`, `must be "system", "developer", "user", "assistant" or "tool" (got ${JSON.stringify(entry.role)}).`);
  }
}

function noToolCalls(entry: JsonObject, at: string): void {
  if (entry.tool_calls !== undefined && entry.tool_calls !== null) throw badField(`${at}.tool_calls`, 'is only allowed on assistant messages.');
}

/** Text content: a string, or an array of text parts (joined). Where `absent` allows it, `null` or no content reads as '' (an assistant turn that only called tools). */
function readText(content: unknown, at: string, absent = false): string {
  if (typeof content === 'string') return content;
  if (absent && (content === null || content === undefined)) return '';
  if (!Array.isArray(content)) throw badField(at, 'must be a string or an array of text parts.');
  let text = '';
  for (let i = 0; i < content.length; i++) {
    const part: unknown = content[i];
    if (!isObject(part) || typeof part.type !== 'string') throw badField(`${at}[${i}]`, 'must be a content part with a `type`.');
    // An assistant's refusal, replayed, is text the model wrote.
    const value = part.type === 'text' ? part.text : part.type === 'refusal' ? part.refusal : undefined;
    if (part.type !== 'text' && part.type !== 'refusal') throw badField(`${at}[${i}].type`, `must be "text" here (got ${JSON.stringify(part.type)}).`);
    if (typeof value !== 'string') throw badField(`${at}[${i}].${part.type}`, 'must be a string.');
    text += value;
  }
  return text;
}

/** A user's content: a string, or text and `image_url` parts (a string again when every part is text). */
function readUserContent(content: unknown, at: string): string | ContentPart[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw badField(at, 'must be a string or an array of content parts.');
  if (content.length === 0) throw badField(at, 'must not be an empty array.');
  const parts: ContentPart[] = new Array(content.length);
  let images = false;
  for (let i = 0; i < content.length; i++) {
    const part: unknown = content[i];
    const where = `${at}[${i}]`;
    if (!isObject(part) || typeof part.type !== 'string') throw badField(where, 'must be a content part with a `type`.');
    if (part.type === 'text') {
      if (typeof part.text !== 'string') throw badField(`${where}.text`, 'must be a string.');
      parts[i] = { type: 'text', text: part.text };
    } else if (part.type === 'image_url') {
      parts[i] = readImage(part.image_url, `${where}.image_url`);
      images = true;
    } else {
      throw badField(`${where}.type`, `must be "text" or "image_url" (got ${JSON.stringify(part.type)}).`);
    }
  }
  return images ? parts : parts.map((part) => (part as { text: string }).text).join('');
}

function readImage(value: unknown, at: string): ImagePart {
  if (!isObject(value)) throw badField(at, 'must be an object { url, detail? }.');
  const { url, detail } = value;
  if (typeof url !== 'string' || !(dataImageUrl.test(url) || isWebUrl(url))) {
    throw badField(`${at}.url`, 'must be an https: URL or a base64 image data URL (data:image/png;base64,...).');
  }
  const image: ImagePart = { type: 'image', image: url };
  if (detail !== undefined && detail !== null) {
    if (typeof detail !== 'string' || !details.has(detail)) throw badField(`${at}.detail`, 'must be "auto", "low" or "high".');
    image.detail = detail as ImagePart['detail'];
  }
  return image;
}

function isWebUrl(text: string): boolean {
  if (!text.startsWith('https:') && !text.startsWith('http:')) return false;
  return URL.canParse(text);
}

function readAssistant(entry: JsonObject, at: string): AssistantMessage {
  const message: AssistantMessage = { role: 'assistant', content: readText(entry.content, `${at}.content`, true) };
  const calls = entry.tool_calls;
  if (calls === undefined || calls === null) return message;
  if (!Array.isArray(calls)) throw badField(`${at}.tool_calls`, 'must be an array of { id, type: "function", function: { name, arguments } }.');
  const toolCalls: ToolCallRequest[] = new Array(calls.length);
  for (let j = 0; j < calls.length; j++) {
    const call: unknown = calls[j];
    const where = `${at}.tool_calls[${j}]`;
    if (!isObject(call)) throw badField(where, 'must be an object { id, type: "function", function: { name, arguments } }.');
    if (typeof call.id !== 'string' || call.id === '') throw badField(`${where}.id`, 'must be a non-empty string.');
    if (call.type !== undefined && call.type !== 'function') throw badField(`${where}.type`, 'must be "function".');
    const fn = call.function;
    if (!isObject(fn)) throw badField(`${where}.function`, 'must be an object { name, arguments }.');
    if (typeof fn.name !== 'string' || fn.name === '') throw badField(`${where}.function.name`, 'must be a non-empty string.');
    if (typeof fn.arguments !== 'string') throw badField(`${where}.function.arguments`, 'must be the arguments as a JSON string.');
    toolCalls[j] = { id: call.id, name: fn.name, arguments: fn.arguments };
  }
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  return message;
}

/** The characters a message carries, for a budget's worst-case estimate (an image counts a fixed amount, not its URL's length). */
export function messageChars(message: Message): number {
  let chars = 0;
  if (typeof message.content === 'string') chars = message.content.length;
  else for (const part of message.content) chars += part.type === 'text' ? part.text.length : imageChars;
  if (message.role === 'assistant' && message.toolCalls) for (const call of message.toolCalls) chars += call.name.length + call.arguments.length;
  return chars;
}

/**
 * What an image counts for in a budget's estimate: about what OpenAI bills a
 * high-detail 1024×1024 image (765 tokens), at four characters a token.
 */
const imageChars = 3060;
