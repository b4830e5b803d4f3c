/**
 * Where spend budgets are counted when several processes share them (Redis,
 * for several gateway instances serving one key). A call's cost is only known
 * once it ends, so a budget checked against what was spent so far lets every
 * parallel call through: each call instead reserves its worst case before it
 * starts and settles to what it cost after it ends. A reservation expires
 * after a while (the store says how long), so the holds of a process that
 * died mid-call come back by themselves.
 */
export interface BudgetStore {
  /**
   * Holds `amount` under `key` when what is spent, what is held and `amount`
   * together stay within `limit`. Resolves with the reservation's id, or
   * `undefined` when it would pass the limit; rejects when the store cannot
   * tell (a shared store that is down), so the caller refuses the call.
   */
  reserve(key: string, amount: number, limit: number): Promise<string | undefined>;
  /**
   * Ends a reservation and books `cost` as spent, even when the reservation
   * had already expired: money spent is spent.
   */
  settle(key: string, reservation: string, cost: number): Promise<void>;
}
