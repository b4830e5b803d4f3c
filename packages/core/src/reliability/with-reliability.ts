import { createRouter, type Router, type RouterConfig } from '../router.ts';
import type { LLMClient } from '../types.ts';
import type { BackendPolicy } from './chain.ts';

/** A fallback for `withReliability`: a client, or a client with its own model id and policy. */
export type FallbackClient = LLMClient | { client: LLMClient; model?: string; policy?: BackendPolicy };

export interface WithReliabilityOptions extends Omit<BackendPolicy, 'fallbacks'>, Pick<RouterConfig, 'listeners' | 'timingLog'> {
  fallbacks?: readonly FallbackClient[];
}

/**
 * Wraps one client (an adapter, or a router) with retries, fallbacks,
 * timeouts, a limiter and a breaker. Why one wrapper and not one per
 * mechanism: they only work in one order (the breaker before the queue, the
 * queue before the request, the retry loop around both, backoff that knows
 * whether a fallback is free, one deadline over everything), and separate
 * wrappers stacked the other way round hold slots through backoff sleeps or
 * multiply retries. It is a one-backend router, so it shares the router's
 * engine, events and `explain`. The timing log is off unless asked for, so a
 * wrapped client inside a router is not logged twice.
 */
export function withReliability(client: LLMClient, options: WithReliabilityOptions): Router {
  const { fallbacks = [], listeners, timingLog = false, ...policy } = options;
  const backends: Record<string, LLMClient> = {};
  const reliability: Record<string, BackendPolicy> = {};
  const add = (member: LLMClient): string => {
    const name = member.name in backends ? `${member.name}#${Object.keys(backends).length}` : member.name;
    backends[name] = member;
    return name;
  };
  const primary = add(client);
  reliability[primary] = {
    ...policy,
    fallbacks: fallbacks.map((fallback) => {
      const { client: member, model, policy: own } = 'client' in fallback ? fallback : { client: fallback };
      const backend = add(member);
      if (own) reliability[backend] = own;
      return { backend, model };
    }),
  };
  return createRouter({ name: client.name, backends, default: primary, reliability, timingLog, ...(listeners && { listeners }) });
}
