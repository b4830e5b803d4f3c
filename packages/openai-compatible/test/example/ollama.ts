import { createOpenAICompatibleBackend } from '@router/openai-compatible';
import type { OpenAICompatibleBackend } from '@router/openai-compatible';

export interface OllamaSettings {
  baseURL?: string;
  /** Ollama needs none; a proxy in front of it may. */
  apiKey?: string;
  headers?: Record<string, string>;
}

/** Ollama through its OpenAI-compatible API: the whole adapter. */
export function createOllamaBackend(settings: OllamaSettings = {}): OpenAICompatibleBackend {
  return createOpenAICompatibleBackend({
    name: 'ollama',
    // Read at the first call, so importing never throws.
    baseURL: () => settings.baseURL ?? process.env.OLLAMA_BASE_URL ?? 'http://localhost:11434/v1',
    apiKey: settings.apiKey,
    headers: settings.headers,
    // Sampler extras beyond OpenAI's (top_k, min_p, ...) go in extraBody, sent at the top level.
    defaultExtraBody: { keep_alive: '10m' },
    // The first call to a model loads it.
    defaults: { firstChunkTimeoutMs: 120_000 },
    timeoutHint: 'Ollama loads a model on its first use; pull it first with `ollama pull <model>`.',
    hints: { connection: 'Is Ollama running? Start it with `ollama serve`, or set OLLAMA_BASE_URL.' },
  });
}
