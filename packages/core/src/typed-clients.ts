import type { LLMClient } from './types.ts';

/**
 * Clients made by core (backends from `createBackend`, routers) raise only
 * typed errors. A router wraps every other client's stream so that what a
 * custom `LLMClient` throws reaches the caller as a `RouterError` too.
 */
const typedClients = new WeakSet<LLMClient>();

export function markTyped<C extends LLMClient>(client: C): C {
  typedClients.add(client);
  return client;
}

export function raisesTypedErrors(client: LLMClient): boolean {
  return typedClients.has(client);
}
