import type { Usage } from '@router/core';

/** A model's price per million tokens, in the unit of `usage.cost` (USD credits on OpenRouter). */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/**
 * A key's spend limit, safe under parallel calls: each call reserves its
 * worst case before it starts and settles to what it cost when it ends, so
 * calls in flight can never together pass the limit (a check of "spent so
 * far" alone lets every parallel call through).
 */
export class Budget {
  readonly limit: number;
  #spent = 0;
  #reserved = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get spent(): number {
    return this.#spent;
  }

  /** Holds `amount` if it fits beside what is spent and held; false otherwise. */
  reserve(amount: number): boolean {
    if (this.#spent + this.#reserved + amount > this.limit) return false;
    this.#reserved += amount;
    return true;
  }

  /** Gives back a reservation and books what the call cost. */
  settle(reserved: number, cost: number): void {
    this.#reserved -= reserved;
    this.#spent += cost;
  }
}

/**
 * The most a call may cost: every input character counted as a token (a
 * token covers at least one character in practice), and the output at its
 * `max_tokens`, or `defaultOutputTokens` when the request sets none.
 */
export function worstCaseCost(price: ModelPrice | undefined, inputChars: number, maxTokens: number | undefined, defaultOutputTokens: number): number {
  if (price === undefined) return 0;
  return (inputChars * price.inputPerMillion + (maxTokens ?? defaultOutputTokens) * price.outputPerMillion) / 1_000_000;
}

/** What a finished call cost: the provider's `usage.cost`, else its tokens at the price, else the reservation. */
export function actualCost(usage: Usage | undefined, price: ModelPrice | undefined, reserved: number): number {
  if (usage?.cost !== undefined) return usage.cost;
  if (price !== undefined && (usage?.inputTokens !== undefined || usage?.outputTokens !== undefined)) {
    return ((usage.inputTokens ?? 0) * price.inputPerMillion + (usage.outputTokens ?? 0) * price.outputPerMillion) / 1_000_000;
  }
  return reserved;
}
