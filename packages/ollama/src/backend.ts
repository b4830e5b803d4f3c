import { baseURLFromEnvironment, createOpenAICompatibleBackend, keyFromEnvironment } from '@router/openai-compatible';
import type { OpenAICompatibleBackend, ProviderSettings } from '@router/openai-compatible';

export type OllamaSettings = ProviderSettings;

export const defaultBaseURL = 'http://localhost:11434/v1';

/**
 * A backend for Ollama: the key comes from settings or `OLLAMA_API_KEY` (optional), the base URL
 * from settings, `OLLAMA_BASE_URL` or http://localhost:11434/v1, both read at the first call.
 */
export function createOllamaBackend(settings: OllamaSettings = {}): OpenAICompatibleBackend {
  const name = settings.name ?? 'ollama';
  return createOpenAICompatibleBackend({
    name,
    baseURL: baseURLFromEnvironment(settings.baseURL, 'OLLAMA_BASE_URL', defaultBaseURL),
    apiKey: keyFromEnvironment({ backend: name, apiKey: settings.apiKey, variable: 'OLLAMA_API_KEY', factory: 'createOllamaBackend', required: false }),
    // Declare honestly what the server does; the conformance test declares the same.
    capabilities: { embeddings: true, jsonMode: true, usage: true },
    headers: settings.headers,
    fetch: settings.fetch,
    defaultExtraBody: settings.defaultExtraBody,
  });
}
