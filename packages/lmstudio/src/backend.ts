import { baseURLFromEnvironment, checkHealth, createOpenAICompatibleBackend, defaultHealthTimeoutMs, keyFromEnvironment } from '@router/openai-compatible';
import type { Health, OpenAICompatibleBackend, ProviderSettings, RequestOptions } from '@router/openai-compatible';

export interface LmStudioSettings extends ProviderSettings {
  /**
   * Time-to-first-chunk budget for streams when the call sets none. Default 600 000 ms (10 minutes):
   * LM Studio loads a model on its first use, and again after its idle TTL unloaded it.
   */
  firstChunkTimeoutMs?: number;
}

export interface LmStudioBackend extends OpenAICompatibleBackend {
  /** Lists the server's models (`GET /models`) within `timeoutMs` (default 5 s); never throws. */
  health(options?: RequestOptions): Promise<Health>;
}

export const defaultBaseURL = 'http://localhost:1234/v1';
/** Generous on purpose: loading a model takes tens of seconds to minutes, and that is not a failure. */
export const defaultFirstChunkTimeoutMs = 600_000;
/** Budget of a generate or embed call that sets none (and what a stream gets past its first chunk): a load and the answer. */
export const coldStartBudgetMs = 900_000;

const coldStartAdvice =
  'LM Studio loads a model on its first use, and again after its idle TTL unloaded it, so such a call can take minutes: load the model first (`lms load <model>`), or give that call a larger timeoutMs / firstChunkTimeoutMs.';

/**
 * A backend for a local LM Studio server. Its key is a placeholder: none is
 * sent unless settings or `LM_STUDIO_API_KEY` give one. The base URL comes from
 * settings, `LM_STUDIO_BASE_URL` or http://localhost:1234/v1, read at the first call.
 */
export function createLmStudioBackend(settings: LmStudioSettings = {}): LmStudioBackend {
  const name = settings.name ?? 'lmstudio';
  const { firstChunkTimeoutMs = defaultFirstChunkTimeoutMs } = settings;
  const problems: string[] = [];
  if (!(typeof firstChunkTimeoutMs === 'number' && firstChunkTimeoutMs > 0)) {
    problems.push(`${name}: firstChunkTimeoutMs must be a positive number of milliseconds (got ${String(firstChunkTimeoutMs)}).`);
  }
  const backend = createOpenAICompatibleBackend(
    {
      name,
      baseURL: baseURLFromEnvironment(settings.baseURL, 'LM_STUDIO_BASE_URL', defaultBaseURL),
      apiKey: keyFromEnvironment({ backend: name, apiKey: settings.apiKey, variable: 'LM_STUDIO_API_KEY', factory: 'createLmStudioBackend', required: false }),
      capabilities: { embeddings: true, jsonMode: true, usage: true, tools: true, images: true, reasoning: false, structuredOutputs: true },
      // A model loads on its first call, and again after its TTL: every budget leaves room for that.
      defaults: { firstChunkTimeoutMs, timeoutMs: coldStartBudgetMs, streamTimeoutMs: firstChunkTimeoutMs + coldStartBudgetMs, embedTimeoutMs: coldStartBudgetMs },
      timeoutHint: coldStartAdvice,
      hints: {
        connection: 'Is the LM Studio server running (Developer tab, or `lms server start`; default port 1234)? If it listens elsewhere, set baseURL or LM_STUDIO_BASE_URL.',
        fetchTimeout: `If this was the first call to the model, it was probably a cold start: ${coldStartAdvice} Beyond 300 s, pass a \`fetch\` whose dispatcher has longer headersTimeout/bodyTimeout (see the @router/lmstudio README).`,
      },
      headers: settings.headers,
      fetch: settings.fetch,
      defaultExtraBody: settings.defaultExtraBody,
    },
    problems,
  );
  return {
    ...backend,
    health: (options = {}) =>
      checkHealth(name, async () => (await backend.listModels({ timeoutMs: defaultHealthTimeoutMs, ...options })).map((model) => model.id)),
  };
}
