import { randomUUID } from 'node:crypto';
import type { CallOptions, CompletionStream, LLMClient, Operation, Router, StreamPart, Usage } from '@router/core';
import { actualCost, worstCaseCost, type ModelPrice } from './budget.ts';
import { readChatRequest } from './chat-request.ts';
import { messageChars } from './chat-messages.ts';
import { isObject, type JsonObject } from './json.ts';
import { ChunkWriter, completionBody, errorEvent } from './chat-response.ts';
import { checkGatewayConfig, gatewayDefaults, type GatewayConfig, type ServerSettings } from './config.ts';
import { embeddingsBody, readEmbeddingsRequest } from './embeddings.ts';
import { fromRouterError, GatewayError } from './errors.ts';
import { StreamEncoder } from './stream-encoder.ts';
import { jsonHeaders, sseHeaders, type EventSource, type Inbound, type Reply } from './exchange.ts';
import { inboundFromRequest, replyToResponse } from './fetch.ts';
import { KeyEntry, KeyTable, presentedKey, type SharedBudget } from './keys.ts';
import { writeJsonLine, type RequestLogEntry } from './log.ts';
import { Metrics, type BackendState } from './metrics.ts';
import { StatusBoard, type RouteStatus } from './status.ts';

/** The gateway: a fetch-style handler, `(request) => Promise<Response>`, with a few facts about itself. */
export interface Gateway {
  (request: Request): Promise<Response>;
  /** The same handler, for hosts that take `{ fetch }` (Bun, Deno, Workers-style). */
  readonly fetch: (request: Request) => Promise<Response>;
  /** Whether clients must present a key (the config has `keys`). */
  readonly requiresKey: boolean;
  /** Calls open now (streams count until they end). */
  readonly inFlight: number;
  /** The config's `server` settings, for `serve`. (The config itself is not kept: it holds the keys in plain text.) */
  readonly server: Readonly<ServerSettings>;
  /** The config's `allowUnauthenticated`. */
  readonly allowUnauthenticated: boolean;
}

/** The Node server reaches a gateway's handler here, without a `Request` and a `Response` per call. */
export const inboundHandlers: WeakMap<Gateway, (inbound: Inbound) => Promise<Reply>> = new WeakMap();

/** Gives back what a call's admission took, and books its cost. */
type Release = (spent?: Usage | 'unknown') => void;

const requestIdPattern = /^[\w.:@/+=-]{1,128}$/;

const hasExplain = (client: LLMClient): client is Router => typeof (client as Partial<Router>).explain === 'function';

function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': jsonHeaders, ...headers }, body: JSON.stringify(body) };
}

function errorReply(error: GatewayError): Reply {
  const headers: Record<string, string> = { 'content-type': jsonHeaders };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return { status: error.status, headers, body: JSON.stringify(error.toJSON()) };
}

async function readJson(inbound: Inbound, limit: number): Promise<JsonObject> {
  const text = await inbound.text(limit);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new GatewayError(400, 'invalid_request_error', 'The request body is not valid JSON.', { code: 'invalid_json' });
  }
  if (!isObject(body)) throw new GatewayError(400, 'invalid_request_error', 'The request body must be a JSON object.', { code: 'invalid_json' });
  return body;
}

/**
 * Builds the gateway over a router. The config is checked at once (every
 * problem in one ConfigurationError); keys are hashed here and the plain
 * text is not kept.
 *
 * @example
 * const gateway = createGateway({ router, models: ['gpt-4o-mini'], keys: [{ key: process.env.GATEWAY_KEY! }] });
 * Deno.serve(gateway); // or: serve(gateway, { port: 4000 }) on Node
 */
export function createGateway(config: GatewayConfig): Gateway {
  checkGatewayConfig(config);
  const { router } = config;
  const now = Date.now();
  const keys = new KeyTable((config.keys ?? []).map((key, index) => new KeyEntry(key, index, now, config.keyStore)));
  const models = [...new Set(config.models ?? [])];
  const maxBodyBytes = config.maxBodyBytes ?? gatewayDefaults.maxBodyBytes;
  const maxInFlight = config.maxInFlight ?? gatewayDefaults.maxInFlight;
  // Only when configured: a caller's `timeoutMs` overrides the budgets the router's routes set.
  const callBudget = config.callTimeoutMs === undefined ? {} : { timeoutMs: config.callTimeoutMs };
  const prices = config.prices ?? {};
  const reserveOutputTokens = config.reserveOutputTokens ?? gatewayDefaults.reserveOutputTokens;
  const log = config.log === undefined ? writeJsonLine : config.log || undefined;
  const metrics = config.metrics === false ? undefined : new Metrics();
  // A gateway that asks for keys is likely reachable by others: its status page is then opt-in.
  const status = (config.statusPage ?? keys.size === 0) ? new StatusBoard() : undefined;
  const statusRefreshMs = config.statusRefreshMs ?? gatewayDefaults.statusRefreshMs;
  let inFlight = 0;

  function authenticate(inbound: Inbound): KeyEntry | undefined {
    if (keys.size === 0) return undefined;
    const presented = presentedKey(inbound.header('authorization'), inbound.header('api-key'));
    if (presented === undefined) {
      throw new GatewayError(401, 'authentication_error', 'No API key was sent: send it as `Authorization: Bearer <key>`.', { code: 'missing_api_key' });
    }
    const key = keys.find(presented);
    if (key === undefined) throw new GatewayError(401, 'authentication_error', 'The API key is not valid for this gateway.', { code: 'invalid_api_key' });
    return key;
  }

  /**
   * Checks the key may use the model, takes its slots and reserves its budget,
   * and returns the function that gives them back (once): at once, or, when
   * the key's limits are in a shared store, once the store has answered. That
   * function books the call's cost: nothing when it failed before any output
   * (`undefined`), the reservation when output went out but the cost is
   * unknown (`'unknown'`), else what its usage says.
   */
  function admit(key: KeyEntry | undefined, model: string, inputChars: number, maxTokens: number | undefined): Release | Promise<Release> {
    if (key !== undefined && !key.allows(model)) {
      throw new GatewayError(403, 'permission_error', `Key "${key.name}" may not use the model "${model}".`, { param: 'model', code: 'model_not_allowed' });
    }
    if (inFlight >= maxInFlight) {
      throw new GatewayError(503, 'server_error', `The gateway has ${maxInFlight} calls open, its limit; retry later.`, {
        code: 'gateway_overloaded',
        retryAfterSeconds: 1,
      });
    }
    // Own properties only: a model named `constructor` must not find Object's.
    const price = Object.hasOwn(prices, model) ? prices[model] : Object.hasOwn(prices, '*') ? prices['*'] : undefined;
    if (key?.sharedBudget) return admitShared(key, key.sharedBudget, price, worstCaseCost(price, inputChars, maxTokens, reserveOutputTokens));
    const reserved = key?.budget ? worstCaseCost(price, inputChars, maxTokens, reserveOutputTokens) : 0;
    if (key?.budget && !key.budget.reserve(reserved)) throw insufficientQuota(key);
    const refused = key?.limits?.admit(Date.now());
    if (refused === undefined) return admitted(key, price, reserved);
    if (refused instanceof GatewayError) {
      key!.budget?.settle(reserved, 0);
      throw refused;
    }
    // The call counts against `maxInFlight` while the shared store answers, so a burst cannot pass it meanwhile.
    inFlight += 1;
    return refused.then((error) => {
      inFlight -= 1;
      if (error === undefined) return admitted(key, price, reserved);
      key!.budget?.settle(reserved, 0);
      throw error;
    });
  }

  /**
   * `admit` for a key whose budget is in the shared store: the reservation
   * there comes first, then the key's limits. The call counts against
   * `maxInFlight` while the store answers, so a burst cannot pass it meanwhile.
   */
  async function admitShared(key: KeyEntry, budget: SharedBudget, price: ModelPrice | undefined, reserved: number): Promise<Release> {
    inFlight += 1;
    let reservation: string | undefined;
    try {
      reservation = await budget.reserve(reserved);
      if (reservation === undefined) throw insufficientQuota(key);
      const refused = await key.limits?.admit(Date.now());
      if (refused !== undefined) {
        budget.settle(reservation, 0);
        throw refused;
      }
    } finally {
      inFlight -= 1;
    }
    return admitted(key, price, reserved, reservation);
  }

  function admitted(key: KeyEntry | undefined, price: ModelPrice | undefined, reserved: number, reservation?: string): Release {
    inFlight += 1;
    let released = false;
    return (spent) => {
      if (released) return;
      released = true;
      inFlight -= 1;
      key?.limits?.release();
      key?.budget?.settle(reserved, costOf(spent, price, reserved));
      if (reservation !== undefined) key!.sharedBudget!.settle(reservation, costOf(spent, price, reserved));
    };
  }

  function backendHeaders(backend: string, model: string): Record<string, string> {
    return { 'x-router-backend': backend, 'x-router-model': model };
  }

  function routedBackend(model: string, operation: Operation): string {
    return hasExplain(router) ? (router.explain(model, operation).backend ?? router.name) : router.name;
  }

  async function chat(inbound: Inbound, record: RequestLogEntry, key: KeyEntry | undefined, finish: (record: RequestLogEntry) => void): Promise<Reply> {
    const request = readChatRequest(await readJson(inbound, maxBodyBytes));
    const { model } = request.options;
    record.model = model;
    record.stream = request.stream;
    const inputChars = request.messages.reduce((sum, message) => sum + messageChars(message), 0);
    const admission = admit(key, model, inputChars, request.options.maxTokens);
    const release = typeof admission === 'function' ? admission : await admission;
    const options = { ...request.options, signal: inbound.signal, ...callBudget };
    const chatId = `chatcmpl-${record.id}`;
    if (!request.stream) {
      let usage: Usage | undefined;
      try {
        const completion = await router.generate(request.messages, options);
        usage = completion.usage ?? {};
        record.backend = completion.backend;
        record.adapter = completion.adapter;
        record.servedModel = completion.model;
        addUsage(record, completion.usage);
        return { status: 200, headers: { 'content-type': jsonHeaders, ...backendHeaders(completion.backend, completion.model) }, body: completionBody(chatId, completion) };
      } finally {
        release(usage);
      }
    }
    const stream = router.stream(request.messages, options);
    const writer = new ChunkWriter(chatId, model, Date.now());
    const items = needsParts(request.options) ? stream.parts()[Symbol.asyncIterator]() : stream[Symbol.asyncIterator]();
    const encoder = new StreamEncoder(writer);
    let first: string | undefined;
    try {
      // Waiting for the first event before answering lets an error before it keep its own status (a 429 stays a 429).
      first = await firstEvent(items, encoder);
    } catch (error) {
      release();
      throw error;
    }
    record.ttftMs = Math.round(performance.now() - arrivals.get(record)!);
    const backend = routedBackend(model, 'stream');
    record.backend = backend;
    const events = streamEvents(stream, items, encoder, first, writer, request.includeUsage, (usage) => {
      release(usage);
      finish(record);
    }, record);
    return { status: 200, headers: { 'content-type': sseHeaders, 'cache-control': 'no-cache', ...backendHeaders(backend, model) }, events };
  }

  async function embeddings(inbound: Inbound, record: RequestLogEntry, key: KeyEntry | undefined): Promise<Reply> {
    const request = readEmbeddingsRequest(await readJson(inbound, maxBodyBytes));
    record.model = request.options.model;
    const inputs = typeof request.input === 'string' ? [request.input] : request.input;
    const admission = admit(key, request.options.model, inputs.reduce((sum, text) => sum + text.length, 0), 0);
    const release = typeof admission === 'function' ? admission : await admission;
    let usage: Usage | undefined;
    try {
      const result = await router.embed(request.input, { ...request.options, signal: inbound.signal, ...callBudget });
      usage = result.usage ?? {};
      record.backend = result.backend;
      record.adapter = result.adapter;
      record.servedModel = result.model;
      addUsage(record, result.usage);
      return { status: 200, headers: { 'content-type': jsonHeaders, ...backendHeaders(result.backend, result.model) }, body: embeddingsBody(result, request.encoding) };
    } finally {
      release(usage);
    }
  }

  function listModels(key: KeyEntry | undefined): Reply {
    const data = models
      .filter((model) => key === undefined || key.allows(model))
      .map((id) => ({ id, object: 'model', created: 0, owned_by: routedBackend(id, 'generate') }));
    return jsonReply(200, { object: 'list', data });
  }

  /** Ready when every listed model has a backend (or a fallback) whose breaker is not open. */
  function readiness(): Reply {
    if (!hasExplain(router)) return jsonReply(200, { status: 'ready' });
    const routes = models.map((model) => {
      const explained = router.explain(model, 'generate');
      const links = [{ backend: explained.backend, breaker: explained.breaker }, ...(explained.fallbacks ?? [])];
      const ready = links.some((link) => link.backend !== undefined && link.breaker !== 'open');
      return { model, backend: explained.backend ?? null, breaker: explained.breaker ?? null, ready };
    });
    const ready = routes.every((route) => route.ready);
    return jsonReply(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', routes });
  }

  function routeStatuses(): RouteStatus[] {
    return models.map((model) => {
      if (!hasExplain(router)) return { model, backend: router.name, rule: undefined, breaker: undefined, limiter: undefined, fallbacks: [] };
      const explained = router.explain(model, 'generate');
      return {
        model,
        backend: explained.backend,
        rule: explained.rule?.description,
        breaker: explained.breaker,
        limiter: explained.limiter,
        fallbacks: (explained.fallbacks ?? []).map((fallback) => `${fallback.backend} (${fallback.model}${fallback.breaker ? `, ${fallback.breaker}` : ''})`),
      };
    });
  }

  /** The breaker and limiter of every backend the listed models route or fall back to, once each. */
  function backendStates(): BackendState[] {
    if (!hasExplain(router)) return [];
    const states = new Map<string, BackendState>();
    for (const model of models) {
      const explained = router.explain(model, 'generate');
      for (const link of [{ backend: explained.backend, breaker: explained.breaker, limiter: explained.limiter }, ...(explained.fallbacks ?? [])]) {
        if (link.backend !== undefined) states.set(link.backend, { backend: link.backend, breaker: link.breaker, limiter: link.limiter });
      }
    }
    return [...states.values()];
  }

  const arrivals = new WeakMap<RequestLogEntry, number>();

  function writeLog(record: RequestLogEntry): void {
    record.ms = Math.round((performance.now() - arrivals.get(record)!) * 100) / 100;
    metrics?.observe(record);
    status?.observe(record);
    log?.(record);
  }

  async function route(inbound: Inbound, record: RequestLogEntry): Promise<Reply> {
    const { method, path } = inbound;
    if (path === '/v1/chat/completions' || path === '/chat/completions') {
      if (method !== 'POST') throw methodNotAllowed(method, path);
      return chat(inbound, record, authenticateInto(inbound, record), writeLog);
    }
    if (path === '/v1/embeddings' || path === '/embeddings') {
      if (method !== 'POST') throw methodNotAllowed(method, path);
      return embeddings(inbound, record, authenticateInto(inbound, record));
    }
    if (path === '/v1/models' || path === '/models') {
      if (method !== 'GET') throw methodNotAllowed(method, path);
      return listModels(authenticateInto(inbound, record));
    }
    if (path === '/metrics' && method === 'GET' && metrics !== undefined) {
      authenticateInto(inbound, record);
      return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, body: metrics.render({ inFlight, backends: backendStates() }) };
    }
    if ((path === '/' || path === '/status.html') && method === 'GET' && status !== undefined) {
      const fragment = status.fragment(routeStatuses(), inFlight);
      const body = path === '/' ? status.page(fragment, statusRefreshMs) : fragment;
      return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body };
    }
    if (path === '/healthz' && method === 'GET') return jsonReply(200, { status: 'ok' });
    if (path === '/readyz' && method === 'GET') return readiness();
    throw new GatewayError(404, 'invalid_request_error', `Unknown route: ${method} ${path}.`, { code: 'unknown_url' });
  }

  function authenticateInto(inbound: Inbound, record: RequestLogEntry): KeyEntry | undefined {
    const key = authenticate(inbound);
    if (key !== undefined) record.key = key.name;
    return key;
  }

  async function handle(inbound: Inbound): Promise<Reply> {
    const sent = inbound.header('x-request-id');
    const id = sent !== null && requestIdPattern.test(sent) ? sent : randomUUID();
    const record: RequestLogEntry = { time: new Date().toISOString(), id, method: inbound.method, path: inbound.path, status: 0, ms: 0 };
    arrivals.set(record, performance.now());
    let reply: Reply;
    try {
      reply = await route(inbound, record);
    } catch (error) {
      const failure = fromRouterError(error);
      if (failure.status >= 500 && !(error instanceof GatewayError) && failure.code === null) {
        globalThis.process?.emitWarning?.(`@router/gateway: request ${id} failed: ${String(error)}`);
      }
      record.error = failure.code ?? failure.type;
      // A failure the backend caused counts against the backend its route goes to (metrics, status page).
      if ((failure.status >= 500 || failure.status === 429) && record.model !== undefined && record.backend === undefined) {
        record.backend = routedBackend(record.model, record.path.endsWith('/embeddings') ? 'embed' : 'generate');
      }
      reply = errorReply(failure);
    }
    reply.headers['x-request-id'] = id;
    record.status = reply.status;
    if ('body' in reply) writeLog(record);
    return reply;
  }

  const fetch = async (request: Request): Promise<Response> => replyToResponse(await handle(inboundFromRequest(request)));
  const gateway = Object.defineProperties(fetch, {
    fetch: { value: fetch, enumerable: true },
    requiresKey: { value: keys.size > 0, enumerable: true },
    inFlight: { get: () => inFlight, enumerable: true },
    server: { value: Object.freeze({ ...config.server }), enumerable: true },
    allowUnauthenticated: { value: config.allowUnauthenticated === true, enumerable: true },
  }) as Gateway;
  inboundHandlers.set(gateway, handle);
  return gateway;
}

function insufficientQuota(key: KeyEntry): GatewayError {
  return new GatewayError(429, 'insufficient_quota', `Key "${key.name}" has too little budget left for this call.`, { code: 'insufficient_quota' });
}

/** What a call books against its key's budget: nothing when it failed before any output, the reservation when its cost is unknown. */
function costOf(spent: Usage | 'unknown' | undefined, price: ModelPrice | undefined, reserved: number): number {
  return spent === undefined ? 0 : spent === 'unknown' ? reserved : actualCost(spent, price, reserved);
}

function methodNotAllowed(method: string, path: string): GatewayError {
  return new GatewayError(405, 'invalid_request_error', `${method} is not allowed on ${path}.`, { code: 'method_not_allowed' });
}

function addUsage(record: RequestLogEntry, usage: { inputTokens?: number; outputTokens?: number; cost?: number } | undefined): void {
  if (usage?.inputTokens !== undefined) record.inputTokens = usage.inputTokens;
  if (usage?.outputTokens !== undefined) record.outputTokens = usage.outputTokens;
  if (usage?.cost !== undefined) record.cost = usage.cost;
}

/**
 * Which view a stream is read through: the parts view when the client can get
 * more than text back (it offered tools, or asked for reasoning), else the
 * text view, so that a text-only stream costs what it did before the parts
 * view existed (the README has the figures).
 */
function needsParts(options: CallOptions): boolean {
  return (options.tools !== undefined && options.tools.length > 0) || options.reasoning !== undefined;
}

/** What either view of a stream yields: text chunks, or typed parts. */
type StreamItems = AsyncIterator<string | StreamPart, unknown>;

/** The first event of a stream, or `undefined` when it ended without one. */
async function firstEvent(items: StreamItems, encoder: StreamEncoder): Promise<string | undefined> {
  for (let result = await items.next(); !result.done; result = await items.next()) {
    const event = encoder.encode(result.value);
    if (event !== '') return event;
  }
  return undefined;
}

/**
 * A stream's SSE events, pulled one by one: the first (already read; none
 * when the items had ended), each later one (the loop reads the items itself,
 * so a chunk costs no promise more than it must), then the finish (and
 * usage) events and `[DONE]`; or, after a failure, one error event. `done`
 * runs once, however it ends.
 */
function streamEvents(
  stream: CompletionStream,
  items: StreamItems,
  encoder: StreamEncoder,
  first: string | undefined,
  writer: ChunkWriter,
  includeUsage: boolean,
  done: (spent: Usage | 'unknown') => void,
  record: RequestLogEntry,
): EventSource {
  // `undefined`: the items ended before any event, so only the role-only opening and the end are left.
  let pendingFirst: string | undefined = first;
  let itemsDone = first === undefined;
  let ended = false;
  let usage: Usage | undefined;
  // Output has gone out (the first event is already read), so an ending without usage books the reservation.
  const end = (): void => {
    if (ended) return;
    ended = true;
    done(usage ?? 'unknown');
  };
  async function finishEvents(): Promise<string> {
    const completion = await stream.completion;
    usage = completion.usage ?? {};
    record.servedModel = completion.model;
    record.backend = completion.backend;
    record.adapter = completion.adapter;
    addUsage(record, completion.usage);
    return writer.end(completion, includeUsage);
  }
  return {
    async next() {
      if (ended) return undefined;
      try {
        if (pendingFirst !== undefined) {
          const event = pendingFirst;
          pendingFirst = undefined;
          return event;
        }
        while (!itemsDone) {
          const result = await items.next();
          if (result.done) break;
          const event = encoder.encode(result.value);
          if (event !== '') return event;
        }
        itemsDone = true;
        const events = encoder.close() + (await finishEvents());
        end();
        return events;
      } catch (error) {
        const failure = fromRouterError(error);
        record.error = failure.code ?? failure.type;
        end();
        return errorEvent(failure.toJSON());
      }
    },
    cancel() {
      if (ended) return;
      record.error = 'client_closed_request';
      record.status = 499;
      // Leaving the loop aborts the upstream call and frees its limiter slot.
      void items.return?.().catch(() => {});
      end();
    },
  };
}
