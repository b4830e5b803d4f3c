/**
 * Servers that load a model on its first use (mlx-omni-server, LM Studio): the first requests for a
 * model id wait `coldStartMs`, and requests arriving while it loads wait for the same load to finish.
 * With `unloadAfterMs` (LM Studio's idle TTL), a model unused for that long is unloaded, so the next
 * request is cold again.
 */
export class ColdStarts {
  readonly #coldStartMs: number;
  readonly #unloadAfterMs: number;
  /** When each model is (or will be) loaded, and when it was last asked for. */
  readonly #models = new Map<string, { loadedAt: number; lastUsedAt: number }>();

  constructor(coldStartMs: number, unloadAfterMs: number = Number.POSITIVE_INFINITY) {
    this.#coldStartMs = coldStartMs;
    this.#unloadAfterMs = unloadAfterMs;
  }

  /** Milliseconds this request for `model` must wait before the model is loaded. */
  delayFor(model: string): number {
    if (this.#coldStartMs <= 0) return 0;
    const now = Date.now();
    const known = this.#models.get(model);
    if (known === undefined || now - Math.max(known.loadedAt, known.lastUsedAt) > this.#unloadAfterMs) {
      this.#models.set(model, { loadedAt: now + this.#coldStartMs, lastUsedAt: now });
      return this.#coldStartMs;
    }
    known.lastUsedAt = now;
    return Math.max(0, known.loadedAt - now);
  }

  /** `DELETE /models/:id` unloads the model: the next call is cold again. */
  unload(model: string): void {
    this.#models.delete(model);
  }
}
