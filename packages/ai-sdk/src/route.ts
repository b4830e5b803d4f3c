import type { LLMClient, Operation, Router } from '@router/core';

const isRouter = (client: LLMClient): client is Router => typeof (client as Partial<Router>).explain === 'function';

/**
 * The backend a router's rules send `model` to before any fallback, so the
 * metadata can say whether a fallback served a call. Undefined for an alias
 * (its first choice changes from call to call) and for a client that is not a
 * router. Rules do not change once a router is made: callers ask once per model.
 */
export function firstChoice(client: LLMClient, model: string, operation: Operation): string | undefined {
  if (!isRouter(client)) return undefined;
  const explanation = client.explain(model, operation);
  return explanation.rule?.kind === 'alias' ? undefined : explanation.backend;
}
