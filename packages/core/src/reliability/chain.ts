import type { Backend } from '../backend.ts';
import { capabilityError, lacking, neededCapabilities } from '../capabilities.ts';
import { AbortedError, CircuitOpenError, failureAfterText, TimeoutError, toRouterError, type RouterError } from '../errors.ts';
import { emit, type RouterEvent, type RouterListener } from '../events.ts';
import { CallScope } from '../scope.ts';
import { optionsFor } from '../scoping.ts';
import { CompletionStream, openView, settled, textOf } from '../stream.ts';
import type { CallOptions, Capability, Completion, EmbedOptions, Embeddings, LLMClient, Message, Operation } from '../types.ts';
import type { CircuitBreaker } from './breaker.ts';
import type { ConcurrencyLimiter } from './limiter.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { retryDelay, sleep, type RetryPolicy } from './retry.ts';

/** A fallback: a backend name (same model id), or a backend with its own model id. */
export type FallbackTarget = string | { backend: string; model?: string };

/** What a routing rule may set; on a backend it is the default for the calls routed to it. */
export interface RoutePolicy {
  retry?: RetryPolicy;
  /** Tried in order when the call fails in a way `fallbackOn` accepts. */
  fallbacks?: readonly FallbackTarget[];
  /** Which errors move the call to the next fallback. Default: retryable ones (timeouts and a full queue included) and an open breaker. */
  fallbackOn?: (error: RouterError) => boolean;
  /** End-to-end budget when the caller sets no `timeoutMs` (a caller's `deadline` still applies: the earlier wins). */
  timeoutMs?: number;
  /** Budget of one attempt; each attempt gets the smaller of this and what is left of the call's. */
  attemptTimeoutMs?: number;
  /** Streams: default time-to-first-chunk limit of an attempt. */
  firstChunkTimeoutMs?: number;
  /** Streams: default limit between chunks. */
  idleTimeoutMs?: number;
}

/** Reliability of one backend. The limiter and breaker are objects, so backends on one account can share them. */
export interface BackendPolicy extends RoutePolicy {
  limiter?: ConcurrencyLimiter;
  /** Requests and tokens per minute; waited for after the breaker, before the limiter's slot. */
  rateLimiter?: RateLimiter;
  breaker?: CircuitBreaker;
}

/** One link of a fallback chain: the backend, the model it is asked for, and the policy that applies to it. */
export interface ChainLink {
  name: string;
  client: LLMClient;
  /** Undefined: the model the caller asked for. */
  model: string | undefined;
  policy: BackendPolicy;
}

/** An LLMClient whose calls can carry the router's call id, so its events pair with the router's. */
export interface RouteClient {
  generate(messages: readonly Message[], options: CallOptions, callId?: number): Promise<Completion>;
  stream(messages: readonly Message[], options: CallOptions, callId?: number): CompletionStream;
  embed(input: string | readonly string[], options: EmbedOptions, callId?: number): Promise<Embeddings>;
}

/** Ends one attempt: frees its slot, tells the breaker, reports it. Undefined means success. Idempotent. */
type Lease = (error?: RouterError) => void;

interface Call {
  scope: CallScope;
  /** The link the call was routed to (the chain's first), whether or not it can serve this call. */
  primary: ChainLink;
  operation: Operation;
  callId: number;
  model: string;
  listeners: readonly RouterListener[];
}

const defaultFallbackOn = (error: RouterError): boolean => error.isRetryable || CircuitOpenError.isInstance(error);

const costOf = (link: ChainLink, model: string): number => (link.client as Partial<Backend>).costOf?.(model) ?? 1;

const modelOf = (link: ChainLink, call: Call): string => link.model ?? call.model;

/** A reliability event without the fields every event of the call shares. */
type OwnFields<E> = E extends RouterEvent ? Omit<E, 'callId' | 'operation' | 'backend' | 'model'> : never;

/**
 * Emits an event about `link`. Call sites guard with `call.listeners.length`,
 * so that without listeners not even the event object is built.
 */
function report(call: Call, link: ChainLink, event: OwnFields<RouterEvent>): void {
  emit(call.listeners, { callId: call.callId, operation: call.operation, backend: link.name, model: modelOf(link, call), ...event } as RouterEvent);
}

/** Runs `change` on the link's breaker and reports a state change. */
function watchBreaker<T>(call: Call, link: ChainLink, breaker: CircuitBreaker, change: () => T): T {
  const previous = breaker.state;
  const result = change();
  const { state } = breaker;
  if (state !== previous && call.listeners.length) report(call, link, { type: 'breaker', state, previous });
  return result;
}

/** Passes the breaker, then waits for the rate and for a slot; the lease ends the attempt. */
async function enter(call: Call, link: ChainLink, attempt: number): Promise<Lease> {
  const { breaker, limiter, rateLimiter } = link.policy;
  const model = modelOf(link, call);
  const pass = breaker && watchBreaker(call, link, breaker, () => breaker.tryEnter());
  if (breaker && !pass) throw new CircuitOpenError({ backend: link.name, model, retryAfterMs: breaker.retryAfterMs });
  /** true: success; false: a failure of the backend; undefined: no verdict (refused by the limiter, aborted, a bad request). */
  const leaveBreaker = (ok: boolean | undefined): void => {
    if (breaker) watchBreaker(call, link, breaker, () => breaker.exit(ok, pass!.probe));
  };
  let slot;
  try {
    if (rateLimiter) await rateLimiter.acquire(call.scope.signal);
    slot = await limiter?.acquire(costOf(link, model), call.scope.signal);
  } catch (error) {
    leaveBreaker(undefined);
    throw error;
  }
  if (slot?.waitMs && call.listeners.length) report(call, link, { type: 'queue-wait', waitMs: slot.waitMs });
  if (call.listeners.length) report(call, link, { type: 'attempt-start', attempt });
  const started = performance.now();
  let ended = false;
  return (error) => {
    if (ended) return;
    ended = true;
    // A call that ended early may still count on the server until it has seen the connection close.
    slot?.release(error && (link.client as Partial<Backend>).abortGraceMs);
    leaveBreaker(error === undefined || (breaker?.isFailure(error) ? false : undefined));
    if (call.listeners.length) report(call, link, { type: 'attempt-end', attempt, durationMs: performance.now() - started, ...(error && { error }) });
  };
}

function canServeNow(call: Call, link: ChainLink): boolean {
  const { breaker, limiter } = link.policy;
  return (!breaker || breaker.canPass()) && (!limiter || limiter.canTake(costOf(link, modelOf(link, call))));
}

/** What one attempt on `link` receives; `routed` is true for the link the call was routed to. */
function attemptOptions<O extends CallOptions | EmbedOptions>(options: O, link: ChainLink, call: Call, routed: boolean): O {
  const { policy } = link;
  const streamOptions = options as CallOptions;
  return {
    ...optionsFor(options, link.name, routed),
    model: modelOf(link, call),
    // Only where something can fire it (the caller, a deadline): adapters may skip costly signal
    // plumbing without one, and a stream the caller leaves is closed through its iterator anyway.
    signal: options.signal === undefined && call.scope.deadline === undefined ? undefined : call.scope.signal,
    deadline: call.scope.deadline,
    timeoutMs: policy.attemptTimeoutMs,
    firstChunkTimeoutMs: streamOptions.firstChunkTimeoutMs ?? policy.firstChunkTimeoutMs,
    idleTimeoutMs: streamOptions.idleTimeoutMs ?? policy.idleTimeoutMs,
  };
}

/**
 * An attempt's own budget running out is not the call's deadline: the call
 * goes on (a retry, a fallback) while the adapter only saw a total timeout.
 */
function attemptError(error: RouterError, link: ChainLink, call: Call): RouterError {
  const budgetMs = link.policy.attemptTimeoutMs;
  if (budgetMs === undefined || !TimeoutError.isInstance(error) || error.phase !== 'total') return error;
  return new TimeoutError('attempt', budgetMs, { backend: link.name, model: modelOf(link, call), cause: error });
}

/**
 * The attempt loop: retries a link with backoff, or moves to the next link
 * at once when the error allows a fallback and either no retry is left or
 * the fallback can serve without waiting. Every attempt runs inside the one
 * call scope, so they share its deadline and abort.
 */
async function run<O extends CallOptions | EmbedOptions, T>(
  links: readonly ChainLink[],
  call: Call,
  options: O,
  open: (link: ChainLink, options: O) => Promise<T>,
  keepLease: boolean,
): Promise<{ value: T; lease: Lease; attempts: number; link: ChainLink }> {
  const fallbackOn = links[0]!.policy.fallbackOn ?? defaultFallbackOn;
  let index = 0;
  let tries = 0;
  let attempts = 0;
  for (;;) {
    const link = links[index]!;
    tries++;
    let lease: Lease | undefined;
    try {
      lease = await enter(call, link, attempts + 1);
      attempts++;
      const value = await open(link, attemptOptions(options, link, call, link === call.primary));
      if (!keepLease) lease();
      return { value, lease, attempts, link };
    } catch (caught) {
      const stopped = call.scope.abortError();
      const error = stopped ?? attemptError(toRouterError(caught, { backend: link.name }), link, call);
      lease?.(error);
      if (stopped) throw stopped;
      const next = links[index + 1];
      const delayMs = retryDelay(link.policy.retry, tries, error, call.scope.remainingMs());
      if (next && fallbackOn(error) && (delayMs === undefined || canServeNow(call, next))) {
        if (call.listeners.length) report(call, link, { type: 'fallback', to: next.name, toModel: modelOf(next, call), error });
        index++;
        tries = 0;
        continue;
      }
      if (delayMs === undefined) throw error;
      if (call.listeners.length) report(call, link, { type: 'retry', attempt: attempts, delayMs, error });
      await sleep(delayMs, call.scope);
    }
  }
}

/**
 * Serves calls through a fallback chain (the first link is the primary) with
 * retries, breakers, limiters and one deadline. A stream is retried or failed
 * over only until its first chunk reached the caller; its slot is held until
 * it ends.
 */
export function createChainClient(links: readonly ChainLink[], listeners: readonly RouterListener[]): RouteClient {
  const primary = links[0]!;
  /** The links that can serve a call needing `needed`, worked out once per combination. */
  const usable = new Map<string, readonly ChainLink[]>();
  const linksFor = (needed: readonly Capability[], model: string): readonly ChainLink[] => {
    if (needed.length === 0) return links;
    const key = needed.join();
    let found = usable.get(key);
    if (!found) usable.set(key, (found = links.filter((link) => lacking(link.client, needed) === undefined)));
    if (found.length === 0) throw capabilityError(lacking(primary.client, needed)!, { backend: primary.name, model });
    return found;
  };
  const begin = (operation: Operation, options: CallOptions | EmbedOptions, callId = 0): Call => ({
    scope: new CallScope(
      { signal: options.signal, deadline: options.deadline, timeoutMs: options.timeoutMs ?? primary.policy.timeoutMs },
      { backend: primary.name, model: options.model },
    ),
    primary,
    operation,
    callId,
    model: options.model,
    listeners,
  });

  const once = async <O extends CallOptions | EmbedOptions, R extends Completion | Embeddings>(
    call: Call,
    messages: readonly Message[] | undefined,
    options: O,
    open: (link: ChainLink, options: O) => Promise<R>,
  ): Promise<R> => {
    try {
      const { value, attempts, link } = await run(linksFor(neededCapabilities(call.operation, options, messages), options.model), call, options, open, false);
      value.attempts += attempts - 1;
      servedBy(value, link);
      return value;
    } finally {
      call.scope.dispose();
    }
  };

  return {
    generate: (messages, options, callId) => once(begin('generate', options, callId), messages, options, (link, o) => link.client.generate(messages, o)),

    embed: (input, options, callId) => once(begin('embed', options, callId), undefined, options, (link, o) => link.client.embed(input, o)),

    stream: (messages, options, callId) =>
      new CompletionStream(async function* reliableStream(sink, mode) {
        const call = begin('stream', options, callId);
        let opened: Awaited<ReturnType<typeof openFirst>> | undefined;
        let failure: RouterError | undefined;
        let completed = false;
        const fail = (caught: unknown): RouterError => {
          failure ??= failureAfterText(opened?.inner.text ?? '', toRouterError(caught, { backend: primary.name }), { backend: primary.name, model: options.model });
          sink.reject(failure);
          return failure;
        };
        async function openFirst(link: ChainLink, attempt: CallOptions) {
          const inner = link.client.stream(messages, attempt);
          const iterator = openView(inner, mode);
          return { inner, iterator, first: await iterator.next() };
        }
        try {
          const got = await run(linksFor(neededCapabilities('stream', options, messages), options.model), call, options, openFirst, true);
          opened = got.value;
          // An abort while the caller is not reading must still free the slot and settle the completion at once.
          call.scope.signal.addEventListener('abort', () => got.lease(call.scope.abortError()), { once: true });
          settled(opened.inner).catch(fail);
          for (let result = opened.first; !result.done; result = await opened.iterator.next()) {
            const text = textOf(result.value);
            if (text !== '') sink.chunks.push(text);
            yield result.value;
          }
          const completion = await settled(opened.inner);
          completed = true;
          got.lease();
          completion.attempts += got.attempts - 1;
          servedBy(completion, got.link);
          sink.resolve(completion);
        } catch (caught) {
          throw fail(caught);
        } finally {
          if (!completed) {
            // The caller left early, or the stream failed: close the inner stream, which stops its request
            // in order (an abort first would fail the SDK's body read while nobody reads it), then the call.
            await opened?.iterator.return?.();
            call.scope.abort(failure ?? new AbortedError({ reason: 'the stream was closed before it finished' }));
          }
          call.scope.dispose();
        }
      }),
  };
}

/**
 * Names the link that served by the router's key for it (the adapter's own
 * name stays in `adapter`), and charges its rate limiter the tokens used.
 */
function servedBy(result: Completion | Embeddings, link: ChainLink): void {
  result.adapter ??= result.backend;
  result.backend = link.name;
  const { usage } = result;
  if (usage) link.policy.rateLimiter?.charge(usage.totalTokens ?? (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0));
}
