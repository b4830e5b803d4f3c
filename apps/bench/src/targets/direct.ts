import { createOpenRouter } from '@openrouter/ai-sdk-provider';
import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { benchMessages } from '../simulator/models.ts';
import type { Target } from './target.ts';

/**
 * The `openai` SDK called directly, set up as the adapter sets it up: no
 * retries, Node's global fetch (the same keep-alive pool), the same body.
 */
export function directOpenAI(baseURL: string): Target {
  const client = new OpenAI({ apiKey: 'bench-key', baseURL, maxRetries: 0 });
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
