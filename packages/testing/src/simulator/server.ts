import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { completeChat } from './chat.ts';
import { ColdStarts } from './cold-start.ts';
import { DIALECT_DEFINITIONS, matchDialect, type DialectDefinition } from './dialects/index.ts';
import { MODEL_CREATED } from './dialects/dialect.ts';
import { answerEmbeddings } from './embeddings-route.ts';
import { Exchange } from './exchange.ts';
import { FAULT_HEADER, FaultRules, foldFaults, parseFaultHeader, type RequestFaults } from './faults.ts';
import { FeatherlessPlan, featherlessUnitCost } from './featherless-plan.ts';
import { resolveProfile, validateProfile } from './profile.ts';
import { loggableHeaders, RequestLog } from './request-log.ts';
import { jsonReply, sendError, sendReply, statusFaultReply } from './respond.ts';
import { isModelCall, resolveRoute, type Route } from './routes.ts';
import { errorForStatus, TEXT_HEADERS, type SimError } from './sim-error.ts';
import { DIALECTS, type Dialect, type Fault, type FaultRule, type LoggedRequest, type ModelProfile, type Simulator, type SimulatorOptions } from './types.ts';
import { checkJsonObject, parseChatRequest, parseEmbeddingsRequest, type ChatRequest, type EmbeddingsRequest } from './validate.ts';

const DEFAULT_MAX_LOG_ENTRIES = 10_000;
/** Far above any chat or embeddings request a test sends, far below what would strain memory. */
export const DEFAULT_MAX_BODY_BYTES: number = 4 * 1024 * 1024;

/**
 * Starts the simulator: a real HTTP server (node:http, 127.0.0.1, a free port by default) speaking
 * every dialect under its own base path. Close it when the test ends.
 *
 * @example
 * const sim = await startSimulator({ models: { 'slow-model': { ttftMs: 50, tokensPerSecond: 200 } } });
 * const client = new OpenAI({ apiKey: 'test', baseURL: sim.baseURL('openai'), maxRetries: 0 });
 * // ... then: await sim.close();
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const state = new SimulatorState(options);
  const server = createServer((req, res) => {
    handleRequest(state, req, res).catch((error: unknown) => reportBug(req, res, error));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return new RunningSimulator(server, state, `http://${urlHost}:${port}`);
}

/** Everything the request handlers share. */
class SimulatorState {
  readonly seed: number;
  readonly rules: FaultRules = new FaultRules();
  readonly log: RequestLog;
  readonly logBodies: boolean;
  readonly maxBodyBytes: number;
  readonly apiKeys: Partial<Record<Dialect, string>>;
  readonly plan: FeatherlessPlan;
  readonly coldStarts: ColdStarts;
  readonly exchanges: Set<Exchange> = new Set();
  /** Called when the last open exchange ends (set while `close()` waits). */
  onIdle: (() => void) | undefined;
  readonly #defaultProfile: Partial<ModelProfile> | undefined;
  readonly #models: Record<string, Partial<ModelProfile>>;
  readonly #profiles = new Map<string, ModelProfile>();
  #requestCount = 0;
  #completionCount = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(options: SimulatorOptions) {
    validateOptions(options);
    this.seed = options.seed ?? 1;
    this.log = new RequestLog(options.maxLogEntries ?? DEFAULT_MAX_LOG_ENTRIES);
    this.logBodies = options.logBodies ?? true;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.apiKeys = { ...options.apiKeys };
    this.plan = new FeatherlessPlan(options.featherless?.planUnits ?? 4, options.featherless?.unitCost ?? featherlessUnitCost);
    this.coldStarts = new ColdStarts(options.mlx?.coldStartMs ?? 0, options.mlx?.unloadAfterMs);
    this.#defaultProfile = options.defaultProfile;
    this.#models = { ...options.models };
    for (const rule of options.faults ?? []) this.rules.add(rule);
  }

  profileFor(model: string): ModelProfile {
    let profile = this.#profiles.get(model);
    if (profile === undefined) {
      profile = resolveProfile(this.#defaultProfile, this.#models[model]);
      // Configured models are few; unknown ids share the default, so the cache stays small.
      if (Object.hasOwn(this.#models, model)) this.#profiles.set(model, profile);
    }
    return profile;
  }

  listedModels(dialect: DialectDefinition): string[] {
    return [...new Set([...dialect.sampleModels, ...Object.keys(this.#models)])];
  }

  nextRequestId(): string {
    this.#requestCount += 1;
    return `req_${this.#requestCount}`;
  }

  nextCompletionId(dialect: DialectDefinition): string {
    this.#completionCount += 1;
    return dialect.completionId(this.#completionCount);
  }

  /** Counts a model call in flight until its exchange ends. */
  enterFlight(exchange: Exchange): void {
    this.inFlight += 1;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    exchange.onEnd(() => {
      this.inFlight -= 1;
    });
  }
}

function validateOptions(options: SimulatorOptions): void {
  if (options.defaultProfile) validateProfile(options.defaultProfile, 'defaultProfile');
  for (const [model, profile] of Object.entries(options.models ?? {})) validateProfile(profile, `models[${JSON.stringify(model)}]`);
  const units = options.featherless?.planUnits;
  if (units !== undefined && !(Number.isInteger(units) && units >= 1)) throw new TypeError('featherless.planUnits must be an integer >= 1');
  const cold = options.mlx?.coldStartMs;
  if (cold !== undefined && !(Number.isFinite(cold) && cold >= 0)) throw new TypeError('mlx.coldStartMs must be a finite number >= 0');
  const ttl = options.mlx?.unloadAfterMs;
  if (ttl !== undefined && !(ttl > 0)) throw new TypeError('mlx.unloadAfterMs must be a number > 0');
  const max = options.maxLogEntries;
  if (max !== undefined && !(Number.isInteger(max) && max >= 0)) throw new TypeError('maxLogEntries must be an integer >= 0');
  const maxBody = options.maxBodyBytes;
  if (maxBody !== undefined && !(Number.isInteger(maxBody) && maxBody >= 1)) throw new TypeError('maxBodyBytes must be an integer >= 1');
  for (const dialect of Object.keys(options.apiKeys ?? {})) {
    if (!DIALECTS.includes(dialect as Dialect)) throw new TypeError(`apiKeys.${dialect} is not a dialect (${DIALECTS.join(', ')})`);
  }
}

class RunningSimulator implements Simulator {
  readonly url: string;
  readonly #server: Server;
  readonly #state: SimulatorState;
  #closing: Promise<void> | undefined;

  constructor(server: Server, state: SimulatorState, url: string) {
    this.#server = server;
    this.#state = state;
    this.url = url;
  }

  baseURL(dialect: Dialect): string {
    const definition = DIALECT_DEFINITIONS[dialect];
    if (definition === undefined) throw new TypeError(`Unknown dialect ${JSON.stringify(dialect)}; use one of ${DIALECTS.join(', ')}`);
    return `${this.url}${definition.basePaths[0] ?? ''}`;
  }

  get requests(): readonly LoggedRequest[] {
    return this.#state.log.entries;
  }

  get inFlight(): number {
    return this.#state.inFlight;
  }

  get maxInFlight(): number {
    return this.#state.maxInFlight;
  }

  addFault(rule: FaultRule): void {
    this.#state.rules.add(rule);
  }

  clearFaults(): void {
    this.#state.rules.clear();
  }

  reset(): void {
    this.#state.log.clear();
    this.#state.maxInFlight = this.#state.inFlight;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const state = this.#state;
    const stopped = new Promise<void>((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
    // Every exchange ends (and clears its timers) once its socket's close event is handled.
    const idle = new Promise<void>((resolve) => {
      if (state.exchanges.size === 0) resolve();
      else state.onIdle = resolve;
    });
    // Cancel pending delays first so no timer fires between here and the sockets closing.
    for (const exchange of state.exchanges) exchange.cancel();
    this.#server.closeAllConnections();
    await Promise.all([stopped, idle]);
  }
}

/** A request body: its text, `tooLarge` past the cap, or undefined when the client went away first. */
type BodyRead = { text: string } | { tooLarge: true } | undefined;

/**
 * Reads the body up to `maxBytes`. Past the cap it stops keeping chunks at once (the rest is read and
 * dropped, never buffered) and reports `tooLarge`; a declared `content-length` over the cap is
 * reported before anything is kept.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    if (Number(req.headers['content-length']) > maxBytes) {
      req.resume();
      resolve({ tooLarge: true });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      req.off('data', keep);
      req.resume();
      resolve({ tooLarge: true });
    };
    req.on('data', keep);
    req.once('end', () => resolve({ text: chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8') }));
    req.once('error', () => resolve(undefined));
    req.once('close', () => resolve(undefined));
  });
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1]?.trim() || undefined;
}

/** Undefined when the request may pass; otherwise the 401 to send. Never echoes the token. */
function checkAuth(state: SimulatorState, dialect: DialectDefinition, req: IncomingMessage): SimError | undefined {
  const token = bearerToken(req.headers.authorization);
  const required = state.apiKeys[dialect.name];
  if (required === undefined && !dialect.bearerRequired) return undefined;
  if (token === undefined) {
    return { status: 401, message: 'No API key provided: send Authorization: Bearer <key>', type: 'authentication_error', code: 'missing_api_key' };
  }
  if (required !== undefined && token !== required) {
    return { status: 401, message: 'Incorrect API key provided', type: 'authentication_error', code: 'invalid_api_key' };
  }
  return undefined;
}

async function handleRequest(state: SimulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const pathname = query === -1 ? url : url.slice(0, query);
  const match = matchDialect(pathname);
  if (match === undefined) {
    const bases = Object.values(DIALECT_DEFINITIONS).map((d) => d.basePaths[0]).join(', ');
    res.writeHead(404, TEXT_HEADERS).end(`No simulated service at ${pathname}. Base paths: ${bases}\n`);
    return;
  }
  const { dialect, path } = match;
  const method = req.method ?? 'GET';
  const route = resolveRoute(dialect, method, path);
  const entry: LoggedRequest = {
    id: state.nextRequestId(),
    dialect: dialect.name,
    method,
    path,
    headers: loggableHeaders(req.headers),
    body: undefined,
    stream: false,
    startedAt: Date.now(),
    clientAborted: false,
  };
  state.log.add(entry);
  const exchange = new Exchange(req, res, entry);
  state.exchanges.add(exchange);
  exchange.onEnd(() => {
    state.exchanges.delete(exchange);
    if (state.exchanges.size === 0) state.onIdle?.();
  });
  if (isModelCall(route)) state.enterFlight(exchange);

  const read = await readBody(req, state.maxBodyBytes);
  if (read === undefined || exchange.closed) return;
  if ('tooLarge' in read) {
    const message = `Request body too large: the simulator accepts at most ${state.maxBodyBytes} bytes (option maxBodyBytes, flag --max-body-bytes)`;
    // The rest of the body is read and dropped, so a client still sending gets this answer rather than a reset.
    return sendError(exchange, dialect, { status: 413, message, type: 'invalid_request_error', code: 'request_too_large' });
  }
  const { body, parsed } = parseBody(read.text);
  if (state.logBodies) entry.body = body;
  const record = isRecord(body) ? body : undefined;
  if (typeof record?.model === 'string') entry.model = record.model;
  entry.stream = record?.stream === true;

  let headerFaults: Fault[];
  try {
    headerFaults = parseFaultHeader(req.headers[FAULT_HEADER]);
  } catch (error) {
    return sendError(exchange, dialect, { ...errorForStatus(400, (error as Error).message), field: FAULT_HEADER });
  }
  const unauthorized = checkAuth(state, dialect, req);
  if (unauthorized) return sendError(exchange, dialect, unauthorized);
  if (route.kind === 'unknown') {
    return sendError(exchange, dialect, { status: 404, message: `No route ${method} ${path} in the ${dialect.name} dialect`, type: 'invalid_request_error', code: 'not_found' });
  }

  // Validation comes before faults, so only well-formed requests use up a rule's `times`.
  const call = isModelCall(route) ? validateCall(dialect, route, body, parsed) : undefined;
  if (call && 'invalid' in call) return sendError(exchange, dialect, call.invalid);

  // OpenRouter may send only `models`: rules then match the model that serves.
  const model = entry.model ?? call?.request.model;
  const faults = foldFaults([...headerFaults, ...state.rules.take({ dialect: dialect.name, path, model })]);
  if (faults.first !== undefined) entry.fault = faults.first;

  if (call && dialect.enforcesPlanUnits) {
    const cost = state.plan.unitCost(call.request.model);
    if (!state.plan.tryAcquire(cost)) {
      const message = `Concurrency limit exceeded: this request needs ${cost} of the plan's ${state.plan.units} units and ${state.plan.inUse} are in use`;
      return sendError(exchange, dialect, { status: 429, message, type: 'rate_limit_exceeded', code: 'concurrency_limit_exceeded' });
    }
    exchange.onEnd(() => state.plan.release(cost));
  }

  if (!(await exchange.wait(faults.stallBeforeHeadersMs))) return;
  if (faults.reset) {
    exchange.destroy(true);
    return;
  }
  if (faults.status) return sendReply(exchange, statusFaultReply(dialect, faults.status), faults);

  if (call && dialect.loadsModelsOnFirstUse && !(await exchange.wait(state.coldStarts.delayFor(call.request.model)))) return;
  return answer(state, exchange, dialect, route, call, faults);
}

/** An entry of Ollama's `GET /api/tags`. */
function ollamaTag(name: string): Record<string, unknown> {
  return { name, model: name, modified_at: new Date(MODEL_CREATED * 1000).toISOString(), size: 0, digest: '', details: {} };
}

type ModelCall = { kind: 'chat'; request: ChatRequest } | { kind: 'embeddings'; request: EmbeddingsRequest };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The body as JSON when it parses, else the raw text (`parsed: false`); an empty body is undefined. */
function parseBody(text: string): { body: unknown; parsed: boolean } {
  if (text === '') return { body: undefined, parsed: true };
  try {
    return { body: JSON.parse(text), parsed: true };
  } catch {
    return { body: text, parsed: false };
  }
}

/** Checks the body of a chat or embeddings request. */
function validateCall(dialect: DialectDefinition, route: Route, body: unknown, parsed: boolean): ModelCall | { invalid: SimError } {
  const problem = checkJsonObject(dialect, body, parsed);
  if (problem) return problem;
  const record = body as Record<string, unknown>;
  const kind = route.kind === 'chat' ? 'chat' : 'embeddings';
  const refused = dialect.refuse?.(kind, record);
  if (refused) return { invalid: refused };
  if (kind === 'chat') {
    const request = parseChatRequest(dialect, record);
    return 'invalid' in request ? request : { kind: 'chat', request };
  }
  const request = parseEmbeddingsRequest(dialect, record);
  return 'invalid' in request ? request : { kind: 'embeddings', request };
}

function answer(
  state: SimulatorState,
  exchange: Exchange,
  dialect: DialectDefinition,
  route: Route,
  call: ModelCall | undefined,
  faults: Readonly<RequestFaults>,
): Promise<void> {
  if (call?.kind === 'chat') {
    const profile = state.profileFor(call.request.model);
    const completionId = state.nextCompletionId(dialect);
    return completeChat({ exchange, dialect, faults, profile, seed: state.seed, completionId }, call.request);
  }
  if (call?.kind === 'embeddings') {
    const profile = state.profileFor(call.request.model);
    return answerEmbeddings({ exchange, dialect, faults, profile, seed: state.seed }, call.request);
  }
  switch (route.kind) {
    case 'models':
      return sendReply(exchange, jsonReply({ object: 'list', data: state.listedModels(dialect).map(dialect.modelEntry) }), faults);
    case 'model':
      if (!state.listedModels(dialect).includes(route.id)) {
        return sendError(exchange, dialect, { status: 404, message: `The model ${route.id} does not exist`, type: 'invalid_request_error', code: 'model_not_found' });
      }
      return sendReply(exchange, jsonReply(dialect.modelEntry(route.id)), faults);
    case 'delete-model':
      state.coldStarts.unload(route.id);
      return sendReply(exchange, jsonReply({ id: route.id, object: 'model', deleted: true }), faults);
    case 'plan':
      return sendReply(exchange, jsonReply(state.plan.describe()), faults);
    case 'health':
      return sendReply(exchange, jsonReply({ status: 'ok' }), faults);
    case 'tags':
      return sendReply(exchange, jsonReply({ models: state.listedModels(dialect).map(ollamaTag) }), faults);
    default:
      return sendError(exchange, dialect, { status: 404, message: `No route ${exchange.entry.method} ${exchange.entry.path}`, type: 'invalid_request_error' });
  }
}

/** A bug in the simulator must not look like a backend fault: answer 500 naming it, or cut the connection. */
function reportBug(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const message = `router-sim internal error: ${error instanceof Error ? error.message : String(error)}`;
  if (!res.headersSent) res.writeHead(500, TEXT_HEADERS).end(`${message}\n`);
  else req.socket.destroy();
}
