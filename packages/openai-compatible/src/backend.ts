import { BackendError, CallScope, ConfigurationError, RouterError } from '@router/core';
import { createBackend, headerProblems } from '@router/core/adapter';
import type { Backend, BackendCall, BackendCapabilities, BackendEmbedCall, ErrorContext } from '@router/core';
import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming, CreateEmbeddingResponse, EmbeddingCreateParams } from 'openai/resources';
import { baseURLProblem, lazyClient, sdkTimeout } from './client.ts';
import { eventChunks } from './event-chunks.ts';
import { responseBody } from './response-body.ts';
import { embedEach, type EmbeddedPart } from './embed-each.ts';
import { errorInResponse, mapSdkError, type ErrorMappingContext } from './errors.ts';
import { defaultMaxQueuedRequests } from './connection-queue.ts';
import { defaultMaxConnections } from './http-fetch.ts';
import { defaultMaxEventBytes } from './sse-decoder.ts';
import { helperURL } from './helper-url.ts';
import { refuseForModel } from './model-capabilities.ts';
import { chatBody, embedBody, reservedChatFields, reservedFieldIn } from './request.ts';
import { toGenerateOutput, toStreamParts, toUsage } from './response.ts';
import type { WireCompletion } from './response.ts';
import type { MaxTokensField, ModelInfo, OpenAICompatibleSettings, ReasoningField, RequestOptions } from './settings.ts';

/**
 * Whether the SDK needs the call's signal: the caller can abort, or a stream
 * time limit can fire before the response's headers. Handing the SDK a signal
 * costs CPU on every request (it composes it with its own through
 * `AbortSignal.any`), so a call bounded only by its deadline goes without
 * one: the SDK's own timeout, set to the deadline, covers the wait for
 * the headers, and the body's reader (`eventChunks`, `responseBody`) listens
 * to the call's signal itself.
 */
function needsSignal({ options }: BackendCall | BackendEmbedCall): boolean {
  const limits = options as Partial<Pick<BackendCall['options'], 'firstChunkTimeoutMs' | 'idleTimeoutMs'>>;
  return options.signal !== undefined || limits.firstChunkTimeoutMs !== undefined || limits.idleTimeoutMs !== undefined;
}

/**
 * What a server speaking the OpenAI wire is taken to support unless its settings say otherwise. The
 * adapter maps tools, images and reasoning to the standard fields; whether the model behind them
 * understands them is the model's business, and a server that does not answers 400. Structured
 * outputs stay off: whether a `json_schema` is enforced, not only asked for, depends on the server.
 */
export const defaultCapabilities: Readonly<BackendCapabilities> = {
  embeddings: true,
  jsonMode: true,
  usage: true,
  tools: true,
  images: true,
  reasoning: true,
  structuredOutputs: false,
};

/** Budget of a helper request (`listModels`, `getJSON`) whose caller sets none. */
const defaultHelperTimeoutMs = 30_000;

/** A core `Backend` plus the routes every OpenAI-compatible server shares. */
export interface OpenAICompatibleBackend extends Backend {
  /** `GET /models`: the models the server offers (or has loaded). */
  listModels(options?: RequestOptions): Promise<ModelInfo[]>;
  /**
   * `GET` a path under the base URL with this backend's key, headers, budget
   * and typed errors: the way to reach a server's own routes (e.g. `/plan`). A path that would
   * leave the base URL's origin (`https://other.host/x`, `//other.host/x`) is refused with an
   * `InvalidRequestError` before any request, so the key never reaches another host.
   */
  getJSON<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
}

/** Longer than this, a grace would strand a limiter's units after every abort: more likely a mistake than a server's pace. */
const maxAbortGraceMs = 60_000;

const maxTokensFields: readonly unknown[] = ['max_tokens', 'max_completion_tokens'] satisfies MaxTokensField[];
const reasoningFields: readonly unknown[] = ['reasoning_effort', 'reasoning'] satisfies ReasoningField[];

/** Everything wrong with the settings, so wrappers can report their own problems and these at once. */
export function checkSettings(settings: OpenAICompatibleSettings<object>): string[] {
  const problems: string[] = [];
  const name = typeof settings.name === 'string' && settings.name.trim() !== '' ? settings.name : undefined;
  if (name === undefined) problems.push('name must be a non-empty string.');
  const label = name ?? 'backend';
  if (typeof settings.baseURL === 'string') {
    const problem = baseURLProblem(label, settings.baseURL);
    if (problem) problems.push(problem);
  } else if (typeof settings.baseURL !== 'function') {
    problems.push(`${label}: baseURL is required: a URL string such as http://localhost:8000/v1.`);
  }
  for (const { field, problem } of headerProblems(settings.headers)) problems.push(`${label}: ${field} ${problem}`);
  const extra: unknown = settings.defaultExtraBody;
  if (extra !== undefined && (extra === null || typeof extra !== 'object' || Array.isArray(extra))) {
    problems.push(`${label}: defaultExtraBody must be a plain object.`);
  } else {
    const reserved = reservedFieldIn(settings.defaultExtraBody, reservedChatFields);
    if (reserved !== undefined) {
      problems.push(`${label}: defaultExtraBody.${reserved} is not allowed: the backend sets ${reservedChatFields.join(', ')} itself.`);
    }
  }
  if (settings.extraBodyKey !== undefined && (typeof settings.extraBodyKey !== 'string' || settings.extraBodyKey === '')) {
    problems.push(`${label}: extraBodyKey must be a non-empty string.`);
  }
  const concurrency = settings.stringEmbeddingInput?.concurrency;
  if (settings.stringEmbeddingInput !== undefined && !(Number.isInteger(concurrency) && (concurrency as number) > 0)) {
    problems.push(`${label}: stringEmbeddingInput.concurrency must be a positive integer (got ${String(concurrency)}).`);
  }
  for (const field of ['maxConnections', 'maxQueuedRequests', 'maxEventBytes'] as const) {
    const value = settings[field];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) problems.push(`${label}: ${field} must be a positive integer (got ${String(value)}).`);
  }
  if (settings.maxTokensField !== undefined && !maxTokensFields.includes(settings.maxTokensField)) {
    problems.push(`${label}: maxTokensField must be "max_tokens" or "max_completion_tokens" (got ${JSON.stringify(settings.maxTokensField)}).`);
  }
  if (settings.modelCapabilities !== undefined && typeof settings.modelCapabilities !== 'function') {
    problems.push(`${label}: modelCapabilities must be a function of the model id.`);
  }
  const grace = settings.abortGraceMs;
  if (grace !== undefined && !(typeof grace === 'number' && grace >= 0 && grace <= maxAbortGraceMs)) {
    problems.push(`${label}: abortGraceMs must be a number of milliseconds from 0 to ${maxAbortGraceMs} (got ${String(grace)}).`);
  }
  if (settings.reasoningField !== undefined && !reasoningFields.includes(settings.reasoningField)) {
    problems.push(`${label}: reasoningField must be "reasoning_effort" or "reasoning" (got ${JSON.stringify(settings.reasoningField)}).`);
  }
  return problems;
}

/**
 * A backend for any server that speaks the OpenAI chat completions API
 * (vLLM, Ollama, LM Studio, llama.cpp, ...), on the `openai` SDK with its
 * retries off: core owns retries, deadlines and stream completeness.
 */
export function createOpenAICompatibleBackend<ExtraBody extends object = Record<string, unknown>>(
  settings: OpenAICompatibleSettings<ExtraBody>,
  /** A wrapper's own problems with its settings, reported together with these in one error. */
  wrapperProblems: readonly string[] = [],
): OpenAICompatibleBackend {
  const problems = [...wrapperProblems, ...checkSettings(settings)];
  if (problems.length > 0) throw new ConfigurationError(problems);
  const { name } = settings;
  const client = lazyClient({
    ...settings,
    connectionLimits: {
      maxConnections: settings.maxConnections ?? defaultMaxConnections,
      maxQueuedRequests: settings.maxQueuedRequests ?? defaultMaxQueuedRequests,
    },
  });
  const maxEventBytes = settings.maxEventBytes ?? defaultMaxEventBytes;
  const shaping = {
    defaultExtraBody: settings.defaultExtraBody as Record<string, unknown> | undefined,
    extraBodyKey: settings.extraBodyKey,
    maxTokensField: settings.maxTokensField ?? 'max_tokens',
    reasoningField: settings.reasoningField ?? 'reasoning_effort',
  };

  const errorContext = (context: ErrorContext): ErrorMappingContext => ({ ...context, url: client.displayURL, hints: settings.hints });
  const mapError = (error: unknown, context: ErrorContext): RouterError | undefined =>
    settings.mapError?.(error, context) ?? mapSdkError(error, errorContext(context));

  const sdkOptions = (call: BackendCall | BackendEmbedCall) => {
    const signal = needsSignal(call);
    return {
      ...(signal ? { signal: call.signal } : {}),
      // With the signal, core's deadline aborts the request and the SDK's timer only backs it up.
      timeout: sdkTimeout(call.remainingMs(), signal),
      ...(call.options.headers ? { headers: call.options.headers } : {}),
    };
  };

  const chatRequest = (call: BackendCall, stream: boolean): Record<string, unknown> => {
    if (settings.modelCapabilities) refuseForModel(call, name, settings.modelCapabilities(call.options.model));
    const body = chatBody(call, stream, shaping);
    return settings.transformRequest ? settings.transformRequest(body, { operation: 'chat', model: call.options.model, stream }) : body;
  };

  const backend = createBackend({
    name,
    capabilities: { ...defaultCapabilities, ...settings.capabilities },
    ...(settings.defaults ? { defaults: settings.defaults } : {}),
    ...(settings.timeoutHint ? { timeoutHint: settings.timeoutHint } : {}),
    ...(settings.costOf ? { costOf: settings.costOf } : {}),
    ...(settings.abortGraceMs ? { abortGraceMs: settings.abortGraceMs } : {}),
    mapError,

    async generate(call) {
      const body = chatRequest(call, false) as unknown as ChatCompletionCreateParamsNonStreaming;
      const response = await client.get().chat.completions.create(body, sdkOptions(call)).asResponse();
      const completion = (await responseBody(response, call.signal)) as (WireCompletion & { error?: { code?: unknown; message?: unknown } }) | undefined;
      // Some services (OpenRouter among them) answer 200 with an error object instead of a completion.
      const failure = completion?.error;
      if (failure) throw errorInResponse(failure, 'in its response', errorContext({ operation: 'generate', backend: name, model: call.options.model }));
      const choice = completion?.choices?.[0];
      if (!choice) {
        throw new BackendError(`${name}: the response contained no choices.`, { backend: name, model: call.options.model, isRetryable: true });
      }
      return toGenerateOutput(completion!, choice as NonNullable<WireCompletion['choices']>[number], !call.options.reasoning?.exclude);
    },

    stream(call) {
      const body = chatRequest(call, true) as unknown as ChatCompletionCreateParamsStreaming;
      // The SDK sends the request and throws its typed errors for a failed status; the body is read here, byte by byte.
      const response = client.get().chat.completions.create(body, sdkOptions(call)).asResponse();
      return toStreamParts(
        response.then((opened) => eventChunks(opened, call.signal, maxEventBytes)),
        { keepReasoning: !call.options.reasoning?.exclude },
      );
    },

    async embed(call) {
      const request = async (input: string | readonly string[]): Promise<EmbeddedPart> => {
        let body = embedBody(call, input);
        if (settings.transformRequest) body = settings.transformRequest(body, { operation: 'embed', model: call.options.model, stream: false });
        const answer = await client.get().embeddings.create(body as unknown as EmbeddingCreateParams, sdkOptions(call)).asResponse();
        const response = (await responseBody(answer, call.signal)) as CreateEmbeddingResponse;
        const data = [...(response.data ?? [])].sort((a, b) => a.index - b.index);
        return {
          embeddings: data.map((item) => item.embedding),
          usage: toUsage(response.usage),
          model: response.model || undefined,
        };
      };
      const oneByOne = settings.stringEmbeddingInput;
      return oneByOne ? embedEach(call.input, oneByOne.concurrency, request) : request(call.input);
    },
  });

  /** Runs a helper request under its own scope: budget, abort and typed errors, as for calls. */
  async function helperRequest<T>(options: RequestOptions, run: (sdk: OpenAI, request: { signal: AbortSignal; timeout: number; headers?: Record<string, string> }) => Promise<T>): Promise<T> {
    const scope = new CallScope({ timeoutMs: defaultHelperTimeoutMs, ...options }, { backend: name });
    try {
      scope.signal.throwIfAborted();
      return await run(client.get(), { signal: scope.signal, timeout: sdkTimeout(scope.remainingMs(), true), ...(options.headers ? { headers: options.headers } : {}) });
    } catch (error) {
      const aborted = scope.abortError();
      if (aborted) throw aborted;
      if (RouterError.isInstance(error)) throw error;
      throw (
        mapError(error, { operation: 'generate', backend: name, model: '' }) ??
        new BackendError(`${name}: ${error instanceof Error ? error.message : String(error)}`, { backend: name, cause: error })
      );
    } finally {
      scope.dispose();
    }
  }

  return {
    ...backend,
    listModels: (options = {}) =>
      helperRequest(options, async (sdk, request) => {
        const page = await sdk.models.list(request);
        return page.data.map((model) => {
          const info: ModelInfo = { id: model.id };
          if (typeof model.owned_by === 'string') info.ownedBy = model.owned_by;
          if (typeof model.created === 'number') info.created = model.created;
          return info;
        });
      }),
    getJSON: <T = unknown>(path: string, options: RequestOptions = {}) =>
      helperRequest(options, (sdk, request) => sdk.get<T>(helperURL(sdk.baseURL, path, name), request)),
  };
}
