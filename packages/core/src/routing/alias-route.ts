import type { BreakerState } from '../reliability/breaker.ts';
import type { BackendPolicy, ChainLink, FallbackTarget, RouteClient } from '../reliability/chain.ts';
import type { LLMClient, Operation } from '../types.ts';

/**
 * The router's side of model aliases. An alias is made by `alias()` from
 * `@router/core/routing`, which holds the strategies and their state, so
 * apps without aliases keep the main bundle small; the router only checks,
 * builds and consults it through this contract.
 */

/** What the router hands an alias when it is created. */
export interface AliasSetup {
  /** The public model id. */
  name: string;
  /** Where the alias sits in the configuration, for problem messages: `aliases["llama-3.1-8b"]`. */
  at: string;
  backends: Readonly<Record<string, LLMClient>>;
  reliability: Readonly<Record<string, BackendPolicy>>;
  /** Every problem found goes here; the router throws them all together. */
  problems: string[];
  /** The router's own check of a fallback list. */
  checkFallbacks(at: string, fallbacks: readonly FallbackTarget[] | undefined): void;
  /** Whether a rule routes exactly this model id (an alias of that name would hide it). */
  routesExactly(model: string): boolean;
}

/** What the router hands an alias once it is valid: how to run a fallback chain (reporting to the router's listeners). */
export interface AliasRuntime {
  chain(links: readonly ChainLink[]): RouteClient;
}

/** One deployment, as `explain` shows it. */
export interface DeploymentExplanation {
  backend: string;
  model: string;
  weight: number;
  /** False when its breaker refuses calls now: the strategy does not see it. */
  healthy: boolean;
  breaker?: BreakerState;
  inFlight: number;
  /** Units its limiter sees in use (all processes when its store is shared); absent without a limiter. */
  inUse?: number;
  /** Successful calls measured. */
  samples: number;
  ttftMs?: number;
  totalMs?: number;
  costPerToken?: number;
}

export interface AliasExplanation {
  strategy: string;
  deployments: DeploymentExplanation[];
  /** The deployment a call would be sent to now (strategies that draw at random may pick another for the real call). */
  chosen: { backend: string; model: string } | undefined;
  why: string;
}

/** A route for one alias: the client that serves its calls and its part of `explain` (all but `model` and `table`). */
export interface AliasRoute {
  client: RouteClient;
  explain(operation: Operation): {
    backend: string;
    rule: { kind: 'alias'; description: string };
    breaker?: BreakerState;
    fallbacks?: { backend: string; model: string; breaker?: BreakerState }[];
    alias: AliasExplanation;
  };
}

/** An alias as configured: made by `alias()` from `@router/core/routing`. */
export interface ModelAlias {
  /** Checks the alias against the router's configuration; the result builds its route once the configuration is valid. */
  setup(setup: AliasSetup): (runtime: AliasRuntime) => AliasRoute;
}

/**
 * Checks every alias (adding to `problems`; an alias checks itself) and
 * returns the function that builds their routes once the router has no
 * problems and has its listeners.
 */
export function setupAliases(
  aliases: Readonly<Record<string, ModelAlias>> | undefined,
  context: Omit<AliasSetup, 'name' | 'at'>,
): (runtime: AliasRuntime) => Map<string, AliasRoute> {
  const builders: [string, (runtime: AliasRuntime) => AliasRoute][] = [];
  for (const [name, alias] of Object.entries(aliases ?? {})) {
    const at = `aliases[${JSON.stringify(name)}]`;
    if (typeof (alias as Partial<ModelAlias> | null)?.setup === 'function') builders.push([name, alias.setup({ ...context, name, at })]);
    else context.problems.push(`${at} must be made with alias() from @router/core/routing.`);
  }
  return (runtime) => new Map(builders.map(([name, build]) => [name, build(runtime)]));
}
