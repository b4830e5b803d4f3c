import { baseURLFromEnvironment, createOpenAICompatibleBackend, keyFromEnvironment } from '@router/openai-compatible';
import type { OpenAICompatibleBackend, ProviderSettings } from '@router/openai-compatible';

export type VllmSettings = ProviderSettings;

export const defaultBaseURL = 'http://localhost:8000/v1';

/**
 * A backend for vLLM: the key comes from settings or `VLLM_API_KEY` (optional), the base URL
 * from settings, `VLLM_BASE_URL` or http://localhost:8000/v1, both read at the first call.
 */
export function createVllmBackend(settings: VllmSettings = {}): OpenAICompatibleBackend {
  const name = settings.name ?? 'vllm';
  return createOpenAICompatibleBackend({
    name,
    baseURL: baseURLFromEnvironment(settings.baseURL, 'VLLM_BASE_URL', defaultBaseURL),
    apiKey: keyFromEnvironment({ backend: name, apiKey: settings.apiKey, variable: 'VLLM_API_KEY', factory: 'createVllmBackend', required: false }),
    // Declare honestly what the server does; the conformance test declares the same.
    capabilities: { embeddings: true, jsonMode: true, usage: true },
    headers: settings.headers,
    fetch: settings.fetch,
    defaultExtraBody: settings.defaultExtraBody,
  });
}
