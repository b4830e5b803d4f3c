import type { LLMClient } from './types.ts';

/**
 * Clients made by core (backends from `createBackend`, routers) raise only
 * typed errors. A router wraps every other client's stream so that what a
 * custom `LLMClient` throws reaches the caller as a `RouterError` too. The
 * mark is an enumerable symbol property, so it survives what adapters do to
 * add methods (`{ ...backend, listModels }`), and `Symbol.for` makes it one
 * mark across duplicate installs.
 */
const typed: unique symbol = Symbol.for('@router/core.typed-errors') as never;

export function markTyped<C extends LLMClient>(client: C): C {
  Object.defineProperty(client, typed, { value: true, enumerable: true });
  return client;
}

export function raisesTypedErrors(client: LLMClient): boolean {
  return (client as { [typed]?: boolean })[typed] === true;
}
