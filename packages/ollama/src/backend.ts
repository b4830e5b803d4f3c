import { InvalidRequestError } from '@router/core';
import { checkHealth, createOpenAICompatibleBackend, defaultHealthTimeoutMs, keyFromEnvironment } from '@router/openai-compatible';
import type { Health, OpenAICompatibleBackend, ProviderSettings, RequestOptions } from '@router/openai-compatible';

export interface OllamaSettings extends ProviderSettings {
  /** Ollama embeds one string per request: how many of a batch's requests run at once. Default 4. */
  embeddingConcurrency?: number;
  /**
   * A prefix a router routes by (e.g. `ollama/`), removed from model ids before they are sent, so
   * `ollama/llama3.2:3b` reaches Ollama as `llama3.2:3b`. Default: none (ids are sent as given).
   */
  modelPrefix?: string;
}

export interface OllamaBackend extends OpenAICompatibleBackend {
  /** Lists the pulled models (Ollama's native `GET /api/tags`) within `timeoutMs` (default 5 s); never throws. */
  health(options?: RequestOptions): Promise<Health>;
}

export const defaultBaseURL = 'http://localhost:11434/v1';
export const defaultEmbeddingConcurrency = 4;

const contextAdvice =
  'Ollama sets the context length only on the server (OLLAMA_CONTEXT_LENGTH, or num_ctx in a Modelfile), not through its OpenAI API; a longer prompt is cut silently or refused.';

/** Ollama has no `tool_choice`: refuse it before the request rather than let the server ignore it. */
function refuseToolChoice(body: Record<string, unknown>, model: string): void {
  if (body.tool_choice === undefined) return;
  throw new InvalidRequestError('options.extraBody.tool_choice', 'Ollama does not support tool_choice (the model always decides, as with "auto"): leave it out.', { model });
}

function withoutPrefix(body: Record<string, unknown>, prefix: string | undefined): Record<string, unknown> {
  const { model } = body;
  return prefix && typeof model === 'string' && model.startsWith(prefix) ? { ...body, model: model.slice(prefix.length) } : body;
}

/**
 * A backend for a local Ollama server. No key is needed (`OLLAMA_API_KEY` is
 * sent only when set, for a proxy); the base URL comes from settings,
 * `OLLAMA_BASE_URL` or http://localhost:11434/v1, read at the first call.
 */
export function createOllamaBackend(settings: OllamaSettings = {}): OllamaBackend {
  const name = settings.name ?? 'ollama';
  const baseURL = (): string => settings.baseURL ?? (process.env.OLLAMA_BASE_URL || defaultBaseURL);
  const backend = createOpenAICompatibleBackend({
    name,
    baseURL,
    apiKey: keyFromEnvironment({ backend: name, apiKey: settings.apiKey, variable: 'OLLAMA_API_KEY', factory: 'createOllamaBackend', required: false }),
    capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: false, structuredOutputs: false },
    stringEmbeddingInput: { concurrency: settings.embeddingConcurrency ?? defaultEmbeddingConcurrency },
    transformRequest: (body, context) => {
      if (context.operation === 'chat') refuseToolChoice(body, context.model);
      return withoutPrefix(body, settings.modelPrefix);
    },
    timeoutHint: 'Ollama loads a model on its first use, which can take a while; `ollama pull` it and warm it first.',
    hints: {
      connection: 'Is Ollama running (`ollama serve`, default port 11434)? If it listens elsewhere, set baseURL or OLLAMA_BASE_URL.',
      status: (status, _context, detail) => {
        if (status === 404) return 'Pull the model first: `ollama pull <model>` (`ollama list` shows what is there).';
        if (status === 400 && /context|num_ctx|too long/i.test(detail)) return contextAdvice;
        return undefined;
      },
    },
    headers: settings.headers,
    fetch: settings.fetch,
    defaultExtraBody: settings.defaultExtraBody,
  });
  return {
    ...backend,
    health: (options = {}) =>
      checkHealth(name, async () => {
        // The native API sits beside `/v1`.
        const tags = new URL('../api/tags', `${baseURL().replace(/\/+$/, '')}/`).href;
        const listing = await backend.getJSON<{ models?: { name: string }[] }>(tags, { timeoutMs: defaultHealthTimeoutMs, ...options });
        return (listing.models ?? []).map((model) => model.name);
      }),
  };
}
