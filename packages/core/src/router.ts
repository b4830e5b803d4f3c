import { lacking, neededCapabilities } from './capabilities.ts';
import { ConfigurationError, InvalidRequestError, NoRouteError, toRouterError, type RouterError } from './errors.ts';
import { emit, type CallRequest, type CallStartEvent, type RouterListener } from './events.ts';
import { observeStream, outcome, type ObservedStreamCall } from './observed-stream.ts';
import type { BreakerState } from './reliability/breaker.ts';
import type { LimiterState } from './reliability/limiter.ts';
import { createChainClient, type BackendPolicy, type ChainLink, type FallbackTarget, type RouteClient, type RoutePolicy } from './reliability/chain.ts';
import { setupAliases, type AliasExplanation, type ModelAlias } from './routing/alias-route.ts';
import { optionsFor } from './scoping.ts';
import { CompletionStream, openView, settled, textOf } from './stream.ts';
import { createTimingLog, timingLogFormatFromEnv, type TimingLogFormat } from './timing-log.ts';
import { markTyped, raisesTypedErrors } from './typed-clients.ts';
import type { CallOptions, Capability, Completion, EmbedOptions, Embeddings, LLMClient, Message, Operation } from './types.ts';
import { validateOptions } from './validate-options.ts';

/** Routes model ids that start with `prefix`. */
export interface PrefixRule {
  prefix: string;
  backend: string;
}
/** Routes exactly one model id. */
export interface ExactRule {
  model: string;
  backend: string;
}
/** Routes model ids the pattern matches. */
export interface PatternRule {
  pattern: RegExp;
  backend: string;
}
/** Routes model ids the predicate accepts. `description` is what `explain` shows. */
export interface PredicateRule {
  when: (model: string) => boolean;
  backend: string;
  description?: string;
}
/** A rule may carry its own retry policy, fallbacks and timeouts; they override its backend's `reliability`. */
export type RouteRule = (PrefixRule | ExactRule | PatternRule | PredicateRule) & RoutePolicy;

export interface RoutingTable {
  /** Tried in order; the first match wins. */
  rules?: readonly RouteRule[];
  /** Backend for model ids no rule matches. Without it they fail with NoRouteError. */
  default?: string;
}

export interface RouterConfig extends RoutingTable {
  /** Named backends: adapters, or other routers and wrappers (anything that is an LLMClient). */
  backends: Readonly<Record<string, LLMClient>>;
  /** Routing for `embed`; without it, embeddings use the chat rules. */
  embeddings?: RoutingTable;
  /** Event subscribers (hooks). */
  listeners?: readonly RouterListener[];
  /**
   * The timing log: `'text'`, `'json'`, or `false` for off. Default: read from
   * `ROUTER_LLM_TIMING` / `CHAT_LLM_TIMING` when the router is created.
   */
  timingLog?: TimingLogFormat | false;
  /** The router's own name, when it is a backend of another router. Default `router`. */
  name?: string;
  /**
   * Reliability per backend name: retry, fallbacks, timeouts, a concurrency
   * limiter and a circuit breaker. Backends without an entry (and routes
   * without rule-level settings) are called directly, at no cost.
   */
  reliability?: Readonly<Record<string, BackendPolicy>>;
  /**
   * Model aliases: a public model id served by several deployments, made
   * with `alias()` from `@router/core/routing`. An alias is matched before
   * the rules, for every operation.
   */
  aliases?: Readonly<Record<string, ModelAlias>>;
}

export type RuleKind = 'prefix' | 'model' | 'pattern' | 'when' | 'default' | 'alias';

export interface RouteExplanation {
  model: string;
  table: 'chat' | 'embeddings';
  /** The backend that would serve the call, or undefined when nothing matches. */
  backend: string | undefined;
  /** Which rule decided: its index in the table's rules (absent for the default) and a description. */
  rule: { kind: RuleKind; index?: number; description: string } | undefined;
  /** The backend's circuit breaker, if it has one. */
  breaker?: BreakerState;
  /** The backend's concurrency limiter now, if it has one. */
  limiter?: LimiterState;
  /** Where the call goes if the backend fails, in order (absent when there is no fallback). */
  fallbacks?: { backend: string; model: string; breaker?: BreakerState; limiter?: LimiterState }[];
  /**
   * Backends of the chain passed over because they declare they lack a capability the call needs
   * (`embeddings` for embed, `jsonMode` for a `responseFormat`); the routed backend may be one of them.
   */
  skipped?: { backend: string; capability: Capability }[];
  /** For an alias: its deployments, their health and scores, and why the chosen one. */
  alias?: AliasExplanation;
}

export interface Router extends LLMClient {
  readonly backends: Readonly<Record<string, LLMClient>>;
  /**
   * Which rule would route `model`, and to which backend. Never calls a backend. Pass the call's
   * options to see which backends a call with them would skip for a missing capability.
   */
  explain(model: string, operation?: Operation, options?: Pick<CallOptions, 'responseFormat' | 'tools' | 'reasoning'>): RouteExplanation;
  /** Adds an event subscriber; returns the function that removes it. */
  subscribe(listener: RouterListener): () => void;
}

/** How a route is served: its fallback chain (the primary first) and the client that runs it. */
interface Serving {
  links: ChainLink[];
  /** No reliability: the backend itself serves (the router names its result and types its errors). */
  direct: boolean;
  client: RouteClient;
}

interface CompiledRule {
  index: number;
  kind: Exclude<RuleKind, 'default'>;
  backend: string;
  description: string;
  matches: (model: string) => boolean;
  policy: RoutePolicy;
  serving?: Serving;
}

interface CompiledTable {
  name: 'chat' | 'embeddings';
  rules: CompiledRule[];
  default: string | undefined;
  serving?: Serving;
}

const policyKeys = ['retry', 'fallbacks', 'fallbackOn', 'timeoutMs', 'attemptTimeoutMs', 'firstChunkTimeoutMs', 'idleTimeoutMs'] as const;

/** The reliability settings a rule sets (an explicit `undefined` does not hide its backend's). */
function rulePolicy(rule: RoutePolicy): RoutePolicy {
  return Object.fromEntries(policyKeys.filter((key) => rule[key] !== undefined).map((key) => [key, rule[key]]));
}

function checkFallbacks(at: string, fallbacks: readonly FallbackTarget[] | undefined, backendNames: ReadonlySet<string>, problems: string[]): void {
  fallbacks?.forEach((fallback, index) => {
    const name = typeof fallback === 'string' ? fallback : fallback?.backend;
    if (typeof name !== 'string' || !backendNames.has(name)) problems.push(`${at}.fallbacks[${index}] names unknown backend "${String(name)}".`);
  });
}

function describeRule(rule: RouteRule): { kind: CompiledRule['kind']; description: string } | undefined {
  if ('prefix' in rule) return { kind: 'prefix', description: `prefix "${rule.prefix}"` };
  if ('model' in rule) return { kind: 'model', description: `model "${rule.model}"` };
  if ('pattern' in rule) return { kind: 'pattern', description: `pattern ${String(rule.pattern)}` };
  if ('when' in rule) return { kind: 'when', description: rule.description ?? `predicate ${rule.when.name || '(anonymous)'}` };
  return undefined;
}

/** A RegExp test without the `lastIndex` state that `g` and `y` flags carry between calls. */
function statelessTest(pattern: RegExp): (model: string) => boolean {
  const safe = pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern;
  return (model) => safe.test(model);
}

function compileTable(
  name: 'chat' | 'embeddings',
  table: RoutingTable,
  backendNames: ReadonlySet<string>,
  problems: string[],
): CompiledTable {
  const where = name === 'chat' ? 'rules' : 'embeddings.rules';
  const known = [...backendNames].join(', ') || '(none)';
  const rules: CompiledRule[] = [];
  (table.rules ?? []).forEach((rule, index) => {
    const at = `${where}[${index}]`;
    const matchers = ['prefix', 'model', 'pattern', 'when'].filter((key) => rule !== null && typeof rule === 'object' && key in rule);
    if (matchers.length !== 1) {
      problems.push(`${at} must have exactly one of prefix, model, pattern or when (has ${matchers.length ? matchers.join(', ') : 'none'}).`);
      return;
    }
    if (typeof rule.backend !== 'string' || !backendNames.has(rule.backend)) {
      problems.push(`${at} routes to unknown backend "${String(rule.backend)}" (known: ${known}).`);
    }
    checkFallbacks(at, rule.fallbacks, backendNames, problems);
    let matches: (model: string) => boolean;
    if ('prefix' in rule) {
      if (typeof rule.prefix !== 'string' || rule.prefix === '') {
        problems.push(`${at}.prefix must be a non-empty string (an empty prefix matches everything: use \`default\`).`);
        return;
      }
      const { prefix } = rule;
      matches = (model) => model.startsWith(prefix);
    } else if ('model' in rule) {
      if (typeof rule.model !== 'string' || rule.model === '') {
        problems.push(`${at}.model must be a non-empty model id.`);
        return;
      }
      const { model: exact } = rule;
      matches = (model) => model === exact;
    } else if ('pattern' in rule) {
      if (!(rule.pattern instanceof RegExp)) {
        problems.push(`${at}.pattern must be a RegExp.`);
        return;
      }
      matches = statelessTest(rule.pattern);
    } else {
      if (typeof rule.when !== 'function') {
        problems.push(`${at}.when must be a function (model) => boolean.`);
        return;
      }
      matches = rule.when;
    }
    const { kind, description } = describeRule(rule)!;
    // A rule that an earlier rule always wins over can never fire: almost always a mistake.
    const shadowedBy = rules.find((earlier) => shadows(earlier, rule));
    if (shadowedBy) {
      problems.push(`${at} (${description}) is shadowed by ${where}[${shadowedBy.index}] (${shadowedBy.description}) and can never match.`);
    }
    rules.push({ index, kind, backend: rule.backend, description, matches, policy: rulePolicy(rule) });
  });
  if (table.default !== undefined && !backendNames.has(table.default)) {
    problems.push(`${name === 'chat' ? 'default' : 'embeddings.default'} is unknown backend "${table.default}" (known: ${known}).`);
  }
  return { name, rules, default: table.default };
}

/** What `explain` shows of a link's breaker and limiter, for those it has. */
function linkState({ policy: { breaker, limiter } }: ChainLink): { breaker?: BreakerState; limiter?: LimiterState } {
  return { ...(breaker && { breaker: breaker.state }), ...(limiter && { limiter: limiter.state }) };
}

/** Whether `earlier` matches every model id `later` could match (decidable for prefixes and exact ids). */
function shadows(earlier: CompiledRule, later: RouteRule): boolean {
  if ('model' in later) return earlier.matches(later.model);
  if ('prefix' in later) return earlier.kind === 'prefix' && earlier.matches(later.prefix);
  return false;
}

function isClient(value: unknown): value is LLMClient {
  const client = value as Partial<LLMClient> | null;
  return (
    typeof client === 'object' &&
    client !== null &&
    typeof client.generate === 'function' &&
    typeof client.stream === 'function' &&
    typeof client.embed === 'function'
  );
}

function route(table: CompiledTable, model: string): { backend: string; rule: CompiledRule | undefined } | undefined {
  for (const rule of table.rules) if (rule.matches(model)) return { backend: rule.backend, rule };
  return table.default === undefined ? undefined : { backend: table.default, rule: undefined };
}

/**
 * What the router checks before it routes: the options, and that there are messages. The backend
 * (every `createBackend` adapter) checks each message before the network; checking them twice would
 * cost every call and the main bundle the same work again.
 */
function checkRouted(messages: readonly Message[], options: CallOptions): void {
  validateOptions(options);
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidRequestError('messages', 'must be a non-empty array of { role, content }.', { model: options.model });
  }
}

/** Characters of text in the messages (images count none): a size for events, never the text. */
function messageChars(messages: readonly Message[]): number {
  let chars = 0;
  for (const message of messages) {
    const content: unknown = message?.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) for (const part of content) if (typeof part?.text === 'string') chars += part.text.length;
  }
  return chars;
}

let nextCallId = 0;

/**
 * Creates a router: an `LLMClient` that sends each call to a named backend
 * chosen by its `model`. Construction validates the whole configuration and
 * reports every problem at once.
 */
export function createRouter(config: RouterConfig): Router {
  const problems: string[] = [];
  const backends = config.backends ?? {};
  const names = new Set(Object.keys(backends));
  if (names.size === 0) problems.push('backends must name at least one backend.');
  for (const [name, client] of Object.entries(backends)) {
    if (!isClient(client)) problems.push(`backends.${name} is not an LLMClient (it needs generate, stream and embed).`);
  }
  const chat = compileTable('chat', config, names, problems);
  const embeddings = config.embeddings ? compileTable('embeddings', config.embeddings, names, problems) : chat;
  const reliability = config.reliability ?? {};
  for (const [name, policy] of Object.entries(reliability)) {
    if (!names.has(name)) problems.push(`reliability.${name} is for unknown backend "${name}".`);
    checkFallbacks(`reliability.${name}`, policy.fallbacks, names, problems);
  }
  // Aliases are checked with everything else, and built once the listeners exist.
  const buildAliases = setupAliases(config.aliases, {
    backends,
    reliability,
    problems,
    checkFallbacks: (at, fallbacks) => checkFallbacks(at, fallbacks, names, problems),
    routesExactly: (model) => [...chat.rules, ...embeddings.rules].some((rule) => rule.kind === 'model' && rule.matches(model)),
  });
  if (problems.length > 0) throw new ConfigurationError(problems);

  const listeners: RouterListener[] = [...(config.listeners ?? [])];
  const logFormat = config.timingLog === undefined ? timingLogFormatFromEnv() : config.timingLog || undefined;
  if (logFormat) listeners.push(createTimingLog({ format: logFormat }));

  /** A route without any reliability setting is served by its backend directly. */
  const serve = (backend: string, overrides: RoutePolicy = {}): Serving => {
    const link = (name: string, model: string | undefined, policy: BackendPolicy = reliability[name] ?? {}): ChainLink => ({ name, client: backends[name]!, model, policy });
    const primary = link(backend, undefined, { ...reliability[backend], ...overrides });
    const links = [
      primary,
      ...(primary.policy.fallbacks ?? []).map((fallback) =>
        typeof fallback === 'string' ? link(fallback, undefined) : link(fallback.backend, fallback.model),
      ),
    ];
    const direct = !reliability[backend] && Object.keys(overrides).length === 0;
    return { links, direct, client: direct ? primary.client : createChainClient(links, listeners) };
  };
  for (const table of [chat, embeddings]) {
    for (const rule of table.rules) rule.serving ??= serve(rule.backend, rule.policy);
    if (table.default !== undefined) table.serving ??= serve(table.default);
  }

  const aliases = buildAliases({ chain: (links) => createChainClient(links, listeners) });

  const resolve = (model: string, operation: Operation): Target => {
    const alias = aliases.size === 0 ? undefined : aliases.get(model);
    if (alias) return { name: model, client: alias.client, direct: false };
    const table = operation === 'embed' ? embeddings : chat;
    const found = route(table, model);
    if (!found) throw new NoRouteError(model, operation);
    const { serving } = found.rule ?? table;
    return { name: found.backend, client: serving!.client, direct: serving!.direct };
  };

  /** Runs one call with its start, and its end or error, reported to the listeners. */
  const observe = async <R extends Completion | Embeddings>(
    base: Omit<CallStartEvent, 'type' | 'request'>,
    request: CallRequest,
    run: (callId: number) => Promise<R>,
    outputChars: (result: R) => number,
  ): Promise<R> => {
    const started = performance.now();
    emit(listeners, { type: 'call-start', ...base, request: () => request });
    try {
      const result = await run(base.callId);
      emit(listeners, {
        type: 'call-end',
        ...base,
        durationMs: performance.now() - started,
        outputChars: outputChars(result),
        ...outcome(result),
      });
      return result;
    } catch (error) {
      const typed = toRouterError(error, base);
      emit(listeners, { type: 'call-error', ...base, durationMs: performance.now() - started, outputChars: 0, error: typed });
      throw typed;
    }
  };

  const router: Router = {
    name: config.name ?? 'router',
    backends,

    explain(model, operation = 'generate', options = {}) {
      const table = operation === 'embed' ? embeddings : chat;
      const alias = aliases.get(model);
      if (alias) return { model, table: table.name, ...alias.explain(operation) };
      const found = route(table, model);
      const links = found ? (found.rule ?? table).serving!.links : [];
      const needed = neededCapabilities(operation, { model, ...options });
      const skipped = links.flatMap((link) => {
        const capability = lacking(link.client, needed);
        return capability === undefined ? [] : [{ backend: link.name, capability }];
      });
      const primary = links[0];
      const fallbacks = links.slice(1).filter((link) => lacking(link.client, needed) === undefined);
      return {
        model,
        table: table.name,
        backend: found?.backend,
        rule: !found
          ? undefined
          : found.rule
            ? { kind: found.rule.kind, index: found.rule.index, description: found.rule.description }
            : { kind: 'default', description: 'the default backend' },
        ...(primary && linkState(primary)),
        ...(fallbacks.length > 0 && {
          fallbacks: fallbacks.map((link) => ({ backend: link.name, model: link.model ?? model, ...linkState(link) })),
        }),
        ...(skipped.length > 0 && { skipped }),
      };
    },

    subscribe(listener) {
      listeners.push(listener);
      return () => {
        const at = listeners.indexOf(listener);
        if (at >= 0) listeners.splice(at, 1);
      };
    },

    async generate(messages: readonly Message[], options: CallOptions): Promise<Completion> {
      checkRouted(messages, options);
      const target = resolve(options.model, 'generate');
      const call = (callId?: number) => served(target, options.model, target.client.generate(messages, scoped(target, options), callId));
      // Without subscribers the router adds nothing else to the call.
      if (listeners.length === 0) return call();
      const base = { callId: ++nextCallId, operation: 'generate' as const, backend: target.name, model: options.model, inputChars: messageChars(messages) };
      return observe(base, { options, messages }, call, (completion) => completion.text.length);
    },

    stream(messages: readonly Message[], options: CallOptions): CompletionStream {
      let target: Target;
      try {
        checkRouted(messages, options);
        target = resolve(options.model, 'stream');
      } catch (error) {
        return CompletionStream.failed(error);
      }
      if (listeners.length === 0) return servedStream(target, options.model, target.client.stream(messages, scoped(target, options)));
      return observedStream(listeners, target, messages, options);
    },

    async embed(input: string | readonly string[], options: EmbedOptions): Promise<Embeddings> {
      validateOptions(options);
      if (typeof input !== 'string' && !Array.isArray(input)) throw new InvalidRequestError('input', 'must be a non-empty string or a non-empty array of strings.', { model: options.model });
      const target = resolve(options.model, 'embed');
      const call = (callId?: number) => served(target, options.model, target.client.embed(input, scoped(target, options), callId));
      if (listeners.length === 0) return call();
      const inputs = typeof input === 'string' ? [input] : input;
      let inputChars = 0;
      for (const text of inputs) inputChars += typeof text === 'string' ? text.length : 0;
      const base = { callId: ++nextCallId, operation: 'embed' as const, backend: target.name, model: options.model, inputChars, inputs: inputs.length };
      return observe(base, { options, input }, call, () => 0);
    },
  };
  return markTyped(router);
}

interface Target {
  name: string;
  client: RouteClient;
  direct: boolean;
}

/** A backend served without a chain gets what the chain would give it: its own options only. */
function scoped<O extends CallOptions | EmbedOptions>(target: Target, options: O): O {
  return target.direct ? optionsFor(options, target.name, true) : options;
}

/** The result of a backend served directly, named by the router's key, with any foreign error typed. */
async function served<R extends Completion | Embeddings>(target: Target, model: string, pending: Promise<R>): Promise<R> {
  if (!target.direct) return pending;
  let result: R;
  try {
    result = await pending;
  } catch (error) {
    throw toRouterError(error, { backend: target.name, model });
  }
  result.adapter ??= result.backend;
  result.backend = target.name;
  return result;
}

/** A stream of a backend served directly: named by the router's key, and typed errors from a custom client. */
function servedStream(target: Target, model: string, stream: CompletionStream): CompletionStream {
  if (!target.direct) return stream;
  if (raisesTypedErrors(target.client as LLMClient)) {
    // Renamed once it has ended; nothing in between, so the text path pays nothing. (A stream that is
    // no CompletionStream of this copy of core, as tests hand in, has nothing to rename.)
    (settled(stream) as Promise<Completion> | undefined)?.then((completion) => {
      completion.adapter ??= completion.backend;
      completion.backend = target.name;
    }, noop);
    return stream;
  }
  return new CompletionStream(async function* typed(sink, mode) {
    const iterator = openView(stream, mode);
    try {
      for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
        const text = textOf(result.value);
        if (text !== '') sink.chunks.push(text);
        yield result.value;
      }
      const completion = await settled(stream);
      completion.adapter ??= completion.backend;
      completion.backend = target.name;
      sink.resolve(completion);
    } catch (error) {
      const typed = toRouterError(error, { backend: target.name, model });
      sink.reject(typed);
      throw typed;
    } finally {
      await iterator.return?.();
    }
  });
}

const noop = (): void => {};

/** A stream that reports its start, first chunk and end to the listeners. */
function observedStream(listeners: readonly RouterListener[], target: Target, messages: readonly Message[], options: CallOptions): CompletionStream {
  const call: ObservedStreamCall = {
    listeners,
    describe: () => ({ callId: ++nextCallId, operation: 'stream', backend: target.name, model: options.model, inputChars: messageChars(messages) }),
    request: () => ({ options, messages }),
    open: (callId) => servedStream(target, options.model, target.client.stream(messages, scoped(target, options), callId)),
  };
  return new CompletionStream((sink, mode) => observeStream(call, sink, mode));
}
