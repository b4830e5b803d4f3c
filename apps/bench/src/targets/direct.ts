import { createOpenRouter } from '@openrouter/ai-sdk-provider';
import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { benchMessages, benchTools } from '../simulator/models.ts';
import type { AssembledToolCall, Target, ToolTarget } from './target.ts';

/**
 * The `openai` SDK called directly, as an application sets it up: no
 * retries, Node's global fetch, the same body. (The adapter gives the SDK
 * its own `node:http` fetch and reads the answers itself.)
 */
export function directOpenAI(baseURL: string): Target {
  const client = openaiClient(baseURL);
  return {
    label: 'openai SDK',
    async generate(model) {
      const completion = await client.chat.completions.create({ model, messages: benchMessages, stream: false });
      return completion.choices[0]?.message.content ?? '';
    },
    async stream(model, onText) {
      const chunks = await client.chat.completions.create({ model, messages: benchMessages, stream: true, stream_options: { include_usage: true } });
      for await (const chunk of chunks) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) onText(text);
      }
    },
  };
}

/** The client as an application sets it up: no retries (as in the adapter), Node's global fetch. */
const openaiClient = (baseURL: string): OpenAI => new OpenAI({ apiKey: 'bench-key', baseURL, maxRetries: 0 });

/** The bench's tools as the adapter puts them on the wire. */
const wireTools = benchTools.map(({ name, description, parameters }) => ({ type: 'function' as const, function: { name, description, parameters } }));

/** Arguments parsed, as a careful user parses them before calling the tool (undefined when they are not JSON). */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The `openai` SDK streaming tool calls, read as a careful user reads them:
 * every `delta.tool_calls` entry goes to the call at its `index` (parallel
 * calls interleave), the id and name are taken when they appear, argument
 * pieces are appended, and the arguments are parsed once the stream ends.
 */
export function directOpenAITools(baseURL: string): ToolTarget {
  const client = openaiClient(baseURL);
  return {
    label: 'openai SDK',
    async streamToolCalls(model, onDelta) {
      const chunks = await client.chat.completions.create({
        model,
        messages: benchMessages,
        tools: wireTools,
        stream: true,
        stream_options: { include_usage: true },
      });
      const calls: AssembledToolCall[] = [];
      for await (const chunk of chunks) {
        for (const delta of chunk.choices[0]?.delta?.tool_calls ?? []) {
          const call = (calls[delta.index] ??= { id: '', name: '', arguments: '' });
          if (delta.id) call.id = delta.id;
          if (delta.function?.name) call.name = delta.function.name;
          const piece = delta.function?.arguments ?? '';
          call.arguments += piece;
          onDelta(delta.index, piece);
        }
      }
      for (const call of calls) call.input = parseArguments(call.arguments);
      return calls;
    },
  };
}

const ignore = (): void => {};

/**
 * The `ai` SDK with `@openrouter/ai-sdk-provider`, called directly as a
 * careful user would: no retries, reading `fullStream` so errors are not
 * silently dropped (what the adapter does too).
 */
export function directAI(baseURL: string): Target {
  const openrouter = createOpenRouter({ apiKey: 'bench-key', baseURL, compatibility: 'strict' });
  return {
    label: 'ai SDK',
    async generate(model) {
      return (await generateText({ model: openrouter.chat(model), messages: benchMessages, maxRetries: 0 })).text;
    },
    async stream(model, onText) {
      const result = streamText({ model: openrouter.chat(model), messages: benchMessages, maxRetries: 0, onError: ignore });
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') onText(part.text);
        else if (part.type === 'error') throw part.error;
      }
    },
  };
}
