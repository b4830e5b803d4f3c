import { baseURLFromEnvironment, createOpenAICompatibleBackend, keyFromEnvironment } from '@router/openai-compatible';
import type { OpenAICompatibleBackend, ProviderSettings } from '@router/openai-compatible';

export type LmstudioSettings = ProviderSettings;

export const defaultBaseURL = 'http://localhost:1234/v1';

/**
 * A backend for LM Studio: the key comes from settings or `LM_STUDIO_API_KEY` (optional), the base URL
 * from settings, `LMSTUDIO_BASE_URL` or http://localhost:1234/v1, both read at the first call.
 */
export function createLmstudioBackend(settings: LmstudioSettings = {}): OpenAICompatibleBackend {
  const name = settings.name ?? 'lmstudio';
  return createOpenAICompatibleBackend({
    name,
    baseURL: baseURLFromEnvironment(settings.baseURL, 'LMSTUDIO_BASE_URL', defaultBaseURL),
    apiKey: keyFromEnvironment({ backend: name, apiKey: settings.apiKey, variable: 'LM_STUDIO_API_KEY', factory: 'createLmstudioBackend', required: false }),
    // Declare honestly what the server does; the conformance test declares the same.
    capabilities: { embeddings: true, jsonMode: true, usage: true },
    headers: settings.headers,
    fetch: settings.fetch,
    defaultExtraBody: settings.defaultExtraBody,
  });
}
