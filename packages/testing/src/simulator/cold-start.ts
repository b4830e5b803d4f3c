/**
 * mlx-omni-server loads (and downloads) a model on its first use: the first requests for a model
 * id wait `coldStartMs`, and requests arriving while it loads wait for the same load to finish.
 */
export class ColdStarts {
  readonly #coldStartMs: number;
  readonly #loadedAt = new Map<string, number>();

  constructor(coldStartMs: number) {
    this.#coldStartMs = coldStartMs;
  }

  /** Milliseconds this request for `model` must wait before the model is loaded. */
  delayFor(model: string): number {
    if (this.#coldStartMs <= 0) return 0;
    const now = Date.now();
    const loadedAt = this.#loadedAt.get(model);
    if (loadedAt === undefined) {
      this.#loadedAt.set(model, now + this.#coldStartMs);
      return this.#coldStartMs;
    }
    return Math.max(0, loadedAt - now);
  }

  /** `DELETE /models/:id` unloads the model: the next call is cold again. */
  unload(model: string): void {
    this.#loadedAt.delete(model);
  }
}
