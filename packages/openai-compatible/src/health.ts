import { RouterError } from '@router/core';

/** What a health check found. It never throws: a failed check is `ok: false` with the typed error. */
export type Health = { ok: true; latencyMs: number; models: string[] } | { ok: false; latencyMs: number; error: RouterError };

/** Bounded by default: a health check must answer even when the server hangs. */
export const defaultHealthTimeoutMs = 5_000;

/**
 * Runs `listModels` (a backend's model list, e.g. `GET /models` or Ollama's
 * `GET /api/tags`) and reports how it went, with the time it took.
 */
export async function checkHealth(backend: string, listModels: () => Promise<string[]>): Promise<Health> {
  const started = performance.now();
  try {
    const models = await listModels();
    return { ok: true, latencyMs: performance.now() - started, models };
  } catch (error) {
    const typed = RouterError.isInstance(error) ? error : new RouterError(String(error), { backend, cause: error });
    return { ok: false, latencyMs: performance.now() - started, error: typed };
  }
}
