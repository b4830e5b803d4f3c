import { baseURLFromEnvironment, createOpenAICompatibleBackend, keyFromEnvironment } from '@router/openai-compatible';
import type { OpenAICompatibleBackend, ProviderSettings } from '@router/openai-compatible';

export type VllmSettings = ProviderSettings;

export const defaultBaseURL = 'http://localhost:8000/v1';

function statusHint(status: number, detail: string): string | undefined {
  if (status === 400 && /enable-auto-tool-choice|tool.?choice/i.test(detail)) {
    return 'vLLM takes tool_choice "auto" only when started with `--enable-auto-tool-choice --tool-call-parser <parser>` (e.g. hermes, llama3_json, mistral): restart it with both flags, or name the tool to call.';
  }
  if (status === 401) return 'vLLM was started with --api-key: pass the same key as apiKey or VLLM_API_KEY.';
  if (status === 404) return 'vLLM serves only the model it was started with (`vllm serve <model>`, or its --served-model-name).';
  if (status === 500 && /response_format|json|schema|guided/i.test(detail)) return 'vLLM can answer 500 for a malformed response_format: check the schema.';
  return undefined;
}

/**
 * A backend for a vLLM server (`vllm serve`). The key comes from settings or
 * `VLLM_API_KEY` (only when the server was started with `--api-key`), the base
 * URL from settings, `VLLM_BASE_URL` or http://localhost:8000/v1, both read at
 * the first call.
 */
export function createVllmBackend(settings: VllmSettings = {}): OpenAICompatibleBackend {
  const name = settings.name ?? 'vllm';
  return createOpenAICompatibleBackend({
    name,
    baseURL: baseURLFromEnvironment(settings.baseURL, 'VLLM_BASE_URL', defaultBaseURL),
    apiKey: keyFromEnvironment({ backend: name, apiKey: settings.apiKey, variable: 'VLLM_API_KEY', factory: 'createVllmBackend', required: false }),
    capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: false, structuredOutputs: true },
    hints: {
      connection: 'Is vLLM running (`vllm serve <model>`, default port 8000)? If it listens elsewhere, set baseURL or VLLM_BASE_URL.',
      status: (status, _context, detail) => statusHint(status, detail),
    },
    headers: settings.headers,
    fetch: settings.fetch,
    defaultExtraBody: settings.defaultExtraBody,
  });
}
