/**
 * Featherless plans: concurrency in units, each request holding units by model size while in
 * flight. A request that would go over the plan is refused (429), never queued.
 */

// The largest families (DeepSeek V3/R1 at 671B, Kimi K2 at 1T) name no size in their ids.
const LARGEST_FAMILIES = /deepseek-(?:v3|r1)|kimi-k2/i;
// "7B", "0.5b", "8x7B" (mixture of experts: 8 × 7), followed by a non-letter or the end.
const SIZE_IN_ID = /(?:(\d+)x)?(\d+(?:\.\d+)?)[bB](?![a-zA-Z])/;

/** Size of the model in billions of parameters, from its id; undefined when the id does not say. */
export function modelSizeInBillions(model: string): number | undefined {
  const match = SIZE_IN_ID.exec(model);
  if (!match) return undefined;
  const size = Number(match[2]);
  return match[1] === undefined ? size : Number(match[1]) * size;
}

/**
 * Units a request for `model` costs: up to 15B → 1, up to 34B → 2, larger → 4. A size written in
 * the id wins (a 7B distill of DeepSeek-R1 costs 1); the largest families cost 4; other ids 1.
 */
export function featherlessUnitCost(model: string): number {
  const size = modelSizeInBillions(model);
  if (size === undefined) return LARGEST_FAMILIES.test(model) ? 4 : 1;
  if (size <= 15) return 1;
  if (size <= 34) return 2;
  return 4;
}

/** The units in use against a plan. */
export class FeatherlessPlan {
  readonly units: number;
  readonly unitCost: (model: string) => number;
  #inUse = 0;

  constructor(units: number, unitCost: (model: string) => number) {
    this.units = units;
    this.unitCost = unitCost;
  }

  get inUse(): number {
    return this.#inUse;
  }

  /** Takes `cost` units if they fit in the plan; false (and nothing taken) if they do not. */
  tryAcquire(cost: number): boolean {
    if (this.#inUse + cost > this.units) return false;
    this.#inUse += cost;
    return true;
  }

  release(cost: number): void {
    this.#inUse -= cost;
  }

  /** `GET /plan`: the plan's name, limits and current use. */
  describe(): Record<string, unknown> {
    const name = this.units <= 2 ? 'feather-basic' : this.units <= 4 ? 'feather-premium' : 'feather-scale';
    return {
      plan: name,
      concurrency_limit: this.units,
      concurrency_in_use: this.#inUse,
      max_model_size: this.units <= 2 ? '15B' : '72B',
      max_context_length: 32768,
    };
  }
}
