import type { TextMessage } from './text.ts';

/**
 * Checks `messages` in the shapes of the OpenAI wire: content as a string or parts (text, and
 * `image_url` in user messages), assistant `tool_calls`, and tool results that answer a call an
 * earlier assistant message made. Returns what the generator reads (role and text), or the
 * field at fault and why.
 */
export type MessagesCheck = { messages: TextMessage[] } | { field: string; message: string };

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A data URL of an image with base64 content, the only inline form the wire takes. */
const DATA_IMAGE_URL = /^data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/]+={0,2}$/i;
const IMAGE_DETAILS: readonly unknown[] = ['auto', 'low', 'high'];

/** Why an image URL is refused, or undefined when it is an `https:` URL or a base64 image data URL. */
function imageUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') return 'must be a non-empty string';
  if (url.startsWith('data:')) return DATA_IMAGE_URL.test(url) ? undefined : 'a data URL must be data:image/<type>;base64,<data>';
  if (!URL.canParse(url) || new URL(url).protocol !== 'https:') return 'must be an https: URL or a data:image/...;base64 URL';
  return undefined;
}

/** The text of string or parts content, or the problem with a part. */
function readContent(content: unknown, role: string, at: string): { text: string } | { field: string; message: string } {
  if (typeof content === 'string') return { text: content };
  if (content === null || content === undefined) {
    return role === 'assistant' ? { text: '' } : { field: `${at}.content`, message: 'required, a string or an array of parts' };
  }
  if (!Array.isArray(content)) return { field: `${at}.content`, message: 'must be a string or an array of parts' };
  let text = '';
  for (let i = 0; i < content.length; i++) {
    const part: unknown = content[i];
    const where = `${at}.content[${i}]`;
    if (!isRecord(part)) return { field: where, message: 'each part must be an object' };
    if (part.type === 'text') {
      if (typeof part.text !== 'string') return { field: `${where}.text`, message: 'required, a string' };
      text += part.text;
    } else if (part.type === 'image_url') {
      if (role !== 'user') return { field: `${where}.type`, message: 'image parts are only allowed in user messages' };
      const image = part.image_url;
      if (!isRecord(image)) return { field: `${where}.image_url`, message: 'required, an object with a url' };
      const problem = imageUrlProblem(image.url);
      if (problem) return { field: `${where}.image_url.url`, message: problem };
      if (image.detail !== undefined && !IMAGE_DETAILS.includes(image.detail)) {
        return { field: `${where}.image_url.detail`, message: 'must be "auto", "low" or "high"' };
      }
    } else {
      return { field: `${where}.type`, message: 'must be "text" or "image_url"' };
    }
  }
  return { text };
}

/** Checks an assistant message's `tool_calls` and records their ids. */
function readToolCalls(calls: unknown, at: string, made: Set<string>): { field: string; message: string } | undefined {
  if (calls === undefined || calls === null) return undefined;
  if (!Array.isArray(calls) || calls.length === 0) return { field: `${at}.tool_calls`, message: 'must be a non-empty array' };
  for (let i = 0; i < calls.length; i++) {
    const call: unknown = calls[i];
    const where = `${at}.tool_calls[${i}]`;
    if (!isRecord(call)) return { field: where, message: 'must be an object' };
    if (typeof call.id !== 'string' || call.id === '') return { field: `${where}.id`, message: 'required, a non-empty string' };
    if (call.type !== 'function') return { field: `${where}.type`, message: 'must be "function"' };
    const fn = call.function;
    if (!isRecord(fn) || typeof fn.name !== 'string' || fn.name === '') {
      return { field: `${where}.function.name`, message: 'required, a non-empty string' };
    }
    if (typeof fn.arguments !== 'string') return { field: `${where}.function.arguments`, message: 'required, a string (JSON text)' };
    made.add(call.id);
  }
  return undefined;
}

export function checkMessages(raw: readonly unknown[]): MessagesCheck {
  const messages: TextMessage[] = [];
  // Tool call ids made by earlier assistant messages: a tool result must answer one of them.
  const made = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const message = raw[i];
    const at = `messages[${i}]`;
    if (!isRecord(message) || typeof message.role !== 'string') return { field: `${at}.role`, message: 'each message needs a string role' };
    const role = message.role;
    if (role === 'assistant') {
      const problem = readToolCalls(message.tool_calls, at, made);
      if (problem) return problem;
    } else if (role === 'tool') {
      const id = message.tool_call_id;
      if (typeof id !== 'string' || id === '') return { field: `${at}.tool_call_id`, message: 'required, a non-empty string' };
      if (!made.has(id)) return { field: `${at}.tool_call_id`, message: `${JSON.stringify(id)} answers no tool call of an earlier assistant message` };
    }
    const content = readContent(message.content, role, at);
    if ('field' in content) return content;
    messages.push({ role, content: content.text });
  }
  return { messages };
}
