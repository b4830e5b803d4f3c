// Built apart from the main entry: core is imported by package name, so both share one CompletionStream.
import { CompletionStream } from '@router/core';
import type { Backend } from '../backend.ts';
import type { CircuitBreaker } from '../reliability/breaker.ts';
import type { BackendPolicy, ChainLink, RouteClient, RoutePolicy } from '../reliability/chain.ts';
import type { Completion, Embeddings, LLMClient, Operation, Usage } from '../types.ts';
import type { AliasExplanation, AliasRoute, AliasRuntime, AliasSetup, ModelAlias } from './alias-route.ts';
import { strategies, type AliasStrategy, type DeploymentView, type PickContext, type StrategyName } from './strategies.ts';

/** One place that serves an alias: a backend and the model id that backend knows it by. */
export interface Deployment {
  backend: string;
  model: string;
  /** Share of calls under `weighted`. Default 1. */
  weight?: number;
  /** Price per token, for `cost`. Default: what the provider reports in `usage.cost`, once it has. */
  costPerToken?: number;
  /** Reliability of this deployment alone, instead of its backend's `reliability` entry (no `fallbacks`: see the alias's). */
  reliability?: BackendPolicy;
}

/**
 * A public model name served by several deployments. Its `RoutePolicy`
 * settings (timeouts, retry) apply to every deployment, under each one's own
 * `reliability`; its `fallbacks` come after all its deployments.
 */
export interface AliasDefinition extends RoutePolicy {
  deployments: readonly Deployment[];
  /** Which deployment serves a call. Default `ordered`. */
  strategy?: StrategyName | AliasStrategy;
  /** Seed of the generator strategies draw from, so a run can be repeated. Default: random. */
  seed?: number;
}

/** Weight of the newest sample in the moving averages of latency and reported price. */
const smoothing = 0.3;

interface DeploymentState extends DeploymentView {
  weight: number;
  costPerToken: number | undefined;
  /** A configured price is kept; otherwise the provider's reports are learned. */
  configuredCost: boolean;
  inFlight: number;
  ttftMs: number | undefined;
  totalMs: number | undefined;
  samples: number;
  breaker: CircuitBreaker | undefined;
  /** Calls that pick this deployment start here and go on through the others. */
  chain: RouteClient;
  /** The same for `embed`, through the deployments whose backend embeds; undefined when this one does not. */
  embedChain: RouteClient | undefined;
}

/** A small, fast, seedable generator (mulberry32): good enough to share out calls, not for secrets. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const average = (previous: number | undefined, sample: number): number =>
  previous === undefined ? sample : previous + smoothing * (sample - previous);

const isHealthy = (deployment: DeploymentState): boolean => !deployment.breaker || deployment.breaker.canPass();

const noop = (): void => {};

/**
 * The deployment's backend, measuring what strategies rank by: latency and
 * reported price of each successful attempt. A stream is not relayed: its
 * completion is watched, so chunks pay nothing.
 */
function measured(client: LLMClient, state: DeploymentState): LLMClient {
  /** Counts a success and learns the price its provider reported. */
  const noteSuccess = (usage: Usage | undefined): void => {
    state.samples++;
    if (!state.configuredCost && usage?.cost !== undefined && usage.totalTokens) {
      state.costPerToken = average(state.costPerToken, usage.cost / usage.totalTokens);
    }
  };
  const onTotal = <R extends Completion | Embeddings>(result: R): R => {
    state.totalMs = average(state.totalMs, result.timings.totalMs);
    noteSuccess(result.usage);
    return result;
  };
  const onStream = (completion: Completion): void => {
    const { firstChunkMs } = completion.timings;
    if (firstChunkMs !== undefined) state.ttftMs = average(state.ttftMs, firstChunkMs);
    noteSuccess(completion.usage);
  };
  const { costOf, abortGraceMs } = client as Partial<Backend>;
  return {
    name: client.name,
    // The chain asks a backend what a call costs its limiter, and how long an aborted call still counts.
    ...(costOf && { costOf: costOf.bind(client) }),
    ...(abortGraceMs && { abortGraceMs }),
    generate: (messages, options) => client.generate(messages, options).then(onTotal),
    embed: (input, options) => client.embed(input, options).then(onTotal),
    stream(messages, options) {
      const stream = client.stream(messages, options);
      stream.completion.then(onStream, noop);
      return stream;
    },
  };
}

/**
 * An alias with one deployment has nothing to choose or measure: it is
 * served as a rule with its own model id would be, directly when nothing
 * applies reliability to it.
 */
function servedAlone(
  link: ChainLink,
  policy: BackendPolicy,
  fallbackLinks: readonly ChainLink[],
  backends: AliasSetup['backends'],
  runtime: AliasRuntime,
): RouteClient {
  const client = backends[link.name]!;
  if (fallbackLinks.length > 0 || Object.values(policy).some((value) => value !== undefined)) {
    return runtime.chain([{ ...link, client }, ...fallbackLinks]);
  }
  const model = link.model!;
  return {
    generate: (messages, options) => client.generate(messages, { ...options, model }),
    stream: (messages, options) => client.stream(messages, { ...options, model }),
    embed: (input, options) => client.embed(input, { ...options, model }),
  };
}

function check(definition: AliasDefinition, setup: AliasSetup): void {
  const { name, at, problems, backends } = setup;
  if (name.trim() === '') problems.push(`${at}: an alias needs a non-empty name.`);
  if (setup.routesExactly(name)) problems.push(`${at} hides the rule for model "${name}": rename one of them.`);
  if (definition === null || typeof definition !== 'object') {
    problems.push(`${at} must be an object with deployments.`);
    return;
  }
  const { deployments, strategy, seed } = definition;
  if (!Array.isArray(deployments) || deployments.length === 0) problems.push(`${at}.deployments must list at least one { backend, model }.`);
  const seen = new Set<string>();
  (Array.isArray(deployments) ? deployments : []).forEach((deployment: Partial<Deployment> | null, index) => {
    const where = `${at}.deployments[${index}]`;
    if (deployment === null || typeof deployment !== 'object') return void problems.push(`${where} must be an object { backend, model }.`);
    const { backend, model, weight, costPerToken, reliability } = deployment;
    if (typeof backend !== 'string' || !(backend in backends)) {
      problems.push(`${where}.backend is unknown backend "${String(backend)}" (known: ${Object.keys(backends).join(', ') || '(none)'}).`);
    }
    if (typeof model !== 'string' || model === '') problems.push(`${where}.model must be the non-empty model id its backend knows.`);
    if (weight !== undefined && !(typeof weight === 'number' && Number.isFinite(weight) && weight > 0)) {
      problems.push(`${where}.weight must be a positive number (got ${String(weight)}).`);
    }
    if (costPerToken !== undefined && !(typeof costPerToken === 'number' && Number.isFinite(costPerToken) && costPerToken >= 0)) {
      problems.push(`${where}.costPerToken must be a number of at least 0 (got ${String(costPerToken)}).`);
    }
    if (reliability?.fallbacks) problems.push(`${where}.reliability.fallbacks is never used: a deployment fails over to the alias's other deployments, then to ${at}.fallbacks.`);
    const key = `${String(backend)}\u0000${String(model)}`;
    if (seen.has(key)) problems.push(`${where} repeats backend "${String(backend)}" with model "${String(model)}".`);
    seen.add(key);
  });
  if (strategy !== undefined && typeof strategy !== 'function' && !Object.hasOwn(strategies, strategy)) {
    problems.push(`${at}.strategy must be one of ${Object.keys(strategies).join(', ')}, or a function (got ${JSON.stringify(strategy)}).`);
  }
  if (seed !== undefined && !(typeof seed === 'number' && Number.isFinite(seed))) problems.push(`${at}.seed must be a finite number (got ${String(seed)}).`);
  setup.checkFallbacks(at, definition.fallbacks);
}

function build(definition: AliasDefinition, setup: AliasSetup, runtime: AliasRuntime): AliasRoute {
  const { name, backends, reliability } = setup;
  const { deployments, strategy = 'ordered', seed, fallbacks = [], ...shared } = definition;
  const choose: AliasStrategy = typeof strategy === 'function' ? strategy : strategies[strategy]();
  const label = choose.label ?? (choose.name || 'custom');
  const context: { operation: Operation; random: () => number } = { operation: 'generate', random: seeded(seed ?? Math.random() * 2 ** 32) };

  const links: ChainLink[] = [];
  const embeds: boolean[] = [];
  const policies: BackendPolicy[] = [];
  const states: DeploymentState[] = deployments.map((deployment, index) => {
    const policy: BackendPolicy = { ...reliability[deployment.backend], ...shared, ...deployment.reliability };
    const state = {
      backend: deployment.backend,
      model: deployment.model,
      index,
      weight: deployment.weight ?? 1,
      configuredCost: deployment.costPerToken !== undefined,
      costPerToken: deployment.costPerToken,
      inFlight: 0,
      limiter: policy.limiter,
      breaker: policy.breaker,
      ttftMs: undefined,
      totalMs: undefined,
      samples: 0,
    } as DeploymentState;
    const backend = backends[deployment.backend]!;
    policies.push(policy);
    links.push({ name: deployment.backend, client: measured(backend, state), model: deployment.model, policy });
    // A backend that declares it cannot embed is left out of embeddings, rather than failing them.
    embeds.push((backend as Partial<Backend>).capabilities?.embeddings !== false);
    return state;
  });
  const fallbackLinks: ChainLink[] = fallbacks.map((fallback) => {
    const { backend, model } = typeof fallback === 'string' ? { backend: fallback, model: undefined } : fallback;
    return { name: backend, client: backends[backend]!, model, policy: reliability[backend] ?? {} };
  });
  // One chain per first choice, made once: a call allocates nothing to be placed.
  const chainFrom = (index: number, among: (other: number) => boolean): RouteClient =>
    runtime.chain([links[index]!, ...links.filter((_, other) => other !== index && among(other)), ...fallbackLinks]);
  states.forEach((state, index) => {
    state.chain = chainFrom(index, () => true);
    state.embedChain = embeds[index] ? chainFrom(index, (other) => embeds[other]!) : undefined;
  });
  /** Where a call goes when no deployment can take it now: it meets their open breakers, then the fallbacks. */
  const lastResort = (operation: Operation): DeploymentState => (operation === 'embed' && states.find((state) => state.embedChain)) || states[0]!;

  const candidates: DeploymentState[] = [];
  /** The deployments a call of `operation` may be placed on now, into `into`. */
  const eligible = (operation: Operation, into: DeploymentState[]): DeploymentState[] => {
    into.length = 0;
    for (const state of states) if (isHealthy(state) && (operation !== 'embed' || state.embedChain)) into.push(state);
    return into;
  };
  const pick = (operation: Operation): DeploymentState => {
    eligible(operation, candidates);
    if (candidates.length <= 1) return candidates[0] ?? lastResort(operation);
    context.operation = operation;
    return candidates[choose(candidates, context)] ?? candidates[0]!;
  };

  /** Runs a call on the picked deployment's chain, counting it in flight there until it settles. */
  const settle = async <R>(operation: Operation, call: (chain: RouteClient) => Promise<R>): Promise<R> => {
    const chosen = pick(operation);
    chosen.inFlight++;
    try {
      return await call(operation === 'embed' ? (chosen.embedChain ?? chosen.chain) : chosen.chain);
    } finally {
      chosen.inFlight--;
    }
  };

  const chosen: RouteClient = {
    generate: (messages, options, callId) => settle('generate', (chain) => chain.generate(messages, options, callId)),
    embed: (input, options, callId) => settle('embed', (chain) => chain.embed(input, options, callId)),
    // The pick waits for the first read, as the call itself does, so streams opened together see each other in flight.
    stream: (messages, options, callId) =>
      new CompletionStream((sink) => {
        const chosen = pick('stream');
        chosen.inFlight++;
        const inner = chosen.chain.stream(messages, options, callId);
        const iterator = inner[Symbol.asyncIterator]();
        inner.completion.then(
          (completion) => {
            chosen.inFlight--;
            sink.resolve(completion);
          },
          (error: unknown) => {
            chosen.inFlight--;
            sink.reject(error);
          },
        );
        const record = (result: IteratorResult<string, unknown>): IteratorResult<string, unknown> => {
          if (!result.done) sink.chunks.push(result.value);
          return result;
        };
        return {
          next: () => iterator.next().then(record),
          return: () => iterator.return!(),
        };
      }),
  };
  const client = states.length === 1 ? servedAlone(links[0]!, policies[0]!, fallbackLinks, backends, runtime) : chosen;

  const breakerOf = (breaker: CircuitBreaker | undefined) => (breaker ? { breaker: breaker.state } : {});

  return {
    client,
    explain(operation) {
      const now = eligible(operation, []);
      const probe: PickContext = { operation, random: Math.random };
      const chosen = now.length === 0 ? lastResort(operation) : (now[now.length === 1 ? 0 : choose(now, probe)] ?? now[0]!);
      const why =
        now.length === 0
          ? 'no deployment is healthy: a call meets their open breakers and goes on to the fallbacks'
          : now.length === 1
            ? 'the only healthy deployment'
            : (choose.why?.(chosen, now, probe) ?? `picked by ${label}`);
      const alias: AliasExplanation = {
        strategy: label,
        deployments: states.map((state) => ({
          backend: state.backend,
          model: state.model,
          weight: state.weight,
          healthy: isHealthy(state),
          ...breakerOf(state.breaker),
          inFlight: state.inFlight,
          ...(state.limiter && { inUse: state.limiter.inUse }),
          samples: state.samples,
          ...(state.ttftMs !== undefined && { ttftMs: state.ttftMs }),
          ...(state.totalMs !== undefined && { totalMs: state.totalMs }),
          ...(state.costPerToken !== undefined && { costPerToken: state.costPerToken }),
        })),
        chosen: { backend: chosen.backend, model: chosen.model },
        why,
      };
      const after = [
        ...states.filter((state) => state !== chosen && (operation !== 'embed' || state.embedChain)).map((state) => ({ backend: state.backend, model: state.model, ...breakerOf(state.breaker) })),
        ...fallbackLinks.map((link) => ({ backend: link.name, model: link.model ?? name, ...breakerOf(link.policy.breaker) })),
      ];
      return {
        backend: chosen.backend,
        rule: { kind: 'alias', description: `alias "${name}" (${label}, ${states.length} deployment${states.length === 1 ? '' : 's'})` },
        ...breakerOf(chosen.breaker),
        ...(after.length > 0 && { fallbacks: after }),
        alias,
      };
    },
  };
}

/**
 * A model alias for the router's `aliases`: one public model name served by
 * several deployments, one picked per call by `strategy` among those whose
 * breaker lets calls through. A failed call moves on through the other
 * deployments (at once when one can serve now), then the alias's fallbacks.
 */
export function alias(definition: AliasDefinition): ModelAlias {
  return {
    setup(setup) {
      check(definition, setup);
      return (runtime) => build(definition, setup, runtime);
    },
  };
}
