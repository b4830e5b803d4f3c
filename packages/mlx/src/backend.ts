import { RouterError } from '@router/core';
import { createOpenAICompatibleBackend } from '@router/openai-compatible';
import type { OpenAICompatibleBackend, OpenAICompatibleSettings, RequestOptions } from '@router/openai-compatible';
import { coldStartBudgetMs, defaultBaseURLs, defaultCapabilities, defaultFirstChunkTimeoutMs } from './settings.ts';
import type { MlxExtraBody, MlxServer, MlxSettings } from './settings.ts';

/** What `health()` found. It never throws: a failed check is `ok: false` with the typed error. */
export type MlxHealth =
  | { ok: true; latencyMs: number; models: string[] }
  | { ok: false; latencyMs: number; error: RouterError };

export interface MlxBackend extends OpenAICompatibleBackend {
  readonly server: MlxServer;
  /** Lists the server's models (`GET /models`, which both servers have) within `timeoutMs` (default 5 s). */
  health(options?: RequestOptions): Promise<MlxHealth>;
}

const defaultHealthTimeoutMs = 5_000;
const servers: ReadonlySet<string> = new Set<MlxServer>(['mlx-omni-server', 'mlx_lm.server']);

function coldStartAdvice(server: MlxServer): string {
  return `${server} loads (and may first download) a model on its first use, so the first call to a model can be a cold start of several minutes: warm the model first, or give that call a larger timeoutMs / firstChunkTimeoutMs.`;
}

function hintsFor(server: MlxServer): OpenAICompatibleSettings['hints'] {
  const port = new URL(defaultBaseURLs[server]).port;
  return {
    connection: `Is ${server} running (default port ${port})? If it listens elsewhere, set baseURL or MLX_BASE_URL.`,
    closedMidResponse: `${server} closes a stream without an error event when generation fails; its log says why.`,
    fetchTimeout: `If this was the first call to the model, it was probably a cold start: ${coldStartAdvice(server)} Beyond 300 s, pass a \`fetch\` whose dispatcher has longer headersTimeout/bodyTimeout (see the @router/mlx README).`,
    status: (status) =>
      status === 500 && server === 'mlx-omni-server'
        ? 'mlx-omni-server answers 500 when a model fails to load: check the model id (a Hugging Face id such as mlx-community/...) and the server log.'
        : undefined,
  };
}

/**
 * A backend for a local MLX server: mlx-omni-server (default) or mlx_lm.server.
 * No key is needed; the base URL comes from settings, `MLX_BASE_URL` (read at
 * the first call) or the server's default port.
 */
export function createMlxBackend(settings: MlxSettings = {}): MlxBackend {
  const problems: string[] = [];
  const requested = settings.server ?? 'mlx-omni-server';
  if (!servers.has(requested)) problems.push(`mlx: server must be "mlx-omni-server" or "mlx_lm.server" (got ${JSON.stringify(requested)}).`);
  // Checking goes on with the default, so every other problem is reported too.
  const server: MlxServer = servers.has(requested) ? requested : 'mlx-omni-server';
  const { firstChunkTimeoutMs = defaultFirstChunkTimeoutMs } = settings;
  if (!(typeof firstChunkTimeoutMs === 'number' && firstChunkTimeoutMs > 0)) {
    problems.push(`mlx: firstChunkTimeoutMs must be a positive number of milliseconds (got ${String(firstChunkTimeoutMs)}).`);
  }
  const omni = server === 'mlx-omni-server';
  const base: OpenAICompatibleSettings<MlxExtraBody> = {
    name: settings.name ?? 'mlx',
    baseURL: settings.baseURL ?? (() => process.env.MLX_BASE_URL || defaultBaseURLs[server]),
    // mlx-omni-server reads sampler extras from a literal `extra_body` key; mlx_lm.server from the top level.
    ...(omni ? { extraBodyKey: 'extra_body' } : {}),
    capabilities: { ...defaultCapabilities[server], ...settings.capabilities },
    ...(settings.modelCapabilities ? { modelCapabilities: settings.modelCapabilities } : {}),
    // A model loads (and may download) on its first call: every budget leaves room for that.
    defaults: { firstChunkTimeoutMs, timeoutMs: coldStartBudgetMs, streamTimeoutMs: firstChunkTimeoutMs + coldStartBudgetMs, embedTimeoutMs: coldStartBudgetMs },
    timeoutHint: coldStartAdvice(server),
    hints: hintsFor(server),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.headers ? { headers: settings.headers } : {}),
    fetch: settings.fetch,
    defaultExtraBody: settings.defaultExtraBody,
  };
  const backend = createOpenAICompatibleBackend(base, problems);

  return {
    ...backend,
    server,
    async health(options = {}) {
      const started = performance.now();
      try {
        const models = await backend.listModels({ timeoutMs: defaultHealthTimeoutMs, ...options });
        return { ok: true, latencyMs: performance.now() - started, models: models.map((model) => model.id) };
      } catch (error) {
        const typed = RouterError.isInstance(error) ? error : new RouterError(String(error), { backend: base.name, cause: error });
        return { ok: false, latencyMs: performance.now() - started, error: typed };
      }
    },
  };
}
