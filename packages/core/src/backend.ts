import { BackendStreamReader, type BackendStreamCall } from './backend-stream.ts';
import { capabilityError, neededCapabilities } from './capabilities.ts';
import { BackendError, RouterError, UnsupportedOperationError } from './errors.ts';
import { CallScope } from './scope.ts';
import { optionsFor } from './scoping.ts';
import { CompletionStream, type StreamPart } from './stream.ts';
import { markTyped } from './typed-clients.ts';
import type {
  BackendCapabilities,
  CallOptions,
  Completion,
  EmbedOptions,
  Embeddings,
  FinishReason,
  LLMClient,
  Message,
  Operation,
  ToolCall,
  Usage,
} from './types.ts';
import { validateCall, validateEmbed } from './validate.ts';

/** One call as an adapter sees it: already validated, with the signal to honour. */
export interface BackendCall {
  messages: readonly Message[];
  options: CallOptions;
  /** Fires on the caller's abort, the deadline, a stream timeout, or the consumer leaving. */
  signal: AbortSignal;
  /** Milliseconds left before the deadline (Infinity when there is none). */
  remainingMs(): number;
}

export interface BackendEmbedCall {
  /** Always an array; a single string arrives as one element. */
  input: readonly string[];
  options: EmbedOptions;
  signal: AbortSignal;
  remainingMs(): number;
}

export interface GenerateOutput {
  text: string;
  finishReason: FinishReason;
  usage?: Usage;
  /** The tool calls the model made (`toToolCall` parses their arguments). */
  toolCalls?: ToolCall[];
  /** The reasoning text, where the provider returns it. */
  reasoning?: string;
  model?: string;
  providerMetadata?: Record<string, unknown>;
}

export interface EmbedOutput {
  embeddings: number[][];
  usage?: Usage;
  model?: string;
  providerMetadata?: Record<string, unknown>;
}

export interface ErrorContext {
  operation: Operation;
  backend: string;
  model: string;
}

/**
 * What an adapter implements. `createBackend` turns it into an `LLMClient`
 * and owns everything adapters would otherwise each get subtly wrong:
 * validation before the network, deadlines, abort mapping, stream
 * completeness, partial text on failure, and metadata.
 */
export interface BackendDefinition {
  name: string;
  capabilities?: Partial<BackendCapabilities>;
  generate(call: BackendCall): Promise<GenerateOutput>;
  /**
   * Yields text, reasoning and tool-call parts (`tool-call-start` with the id and name, then
   * `tool-call-delta` pieces of the arguments) in order, and one finish part; ending without
   * it is an error. Core assembles the tool calls.
   */
  stream(call: BackendCall): AsyncIterable<StreamPart>;
  embed?(call: BackendEmbedCall): Promise<EmbedOutput>;
  /** Turns what the SDK threw into a typed error; return undefined to use the generic mapping. */
  mapError?(error: unknown, context: ErrorContext): RouterError | undefined;
  /**
   * Budgets applied when the caller did not set them (e.g. a generous first-chunk budget for cold
   * starts). A call with neither `timeoutMs` nor `deadline` gets its operation's budget here, or
   * core's (`defaultBudgets`): no call waits forever.
   */
  defaults?: BackendDefaults;
  /** Appended to deadline timeout messages, e.g. to explain a cold start. */
  timeoutHint?: string;
  /** What one request to `model` costs a concurrency limiter (Featherless plan units). Default 1. */
  costOf?(model: string): number;
  /**
   * How long a limiter keeps a call's units after the call ended early (aborted, abandoned, timed
   * out or failed): the server may count the request until it has noticed the connection close,
   * which the client cannot observe. Default: none (given back at once).
   */
  abortGraceMs?: number;
}

/** Per-operation budgets of a backend, in milliseconds. */
export interface BackendDefaults {
  /** End-to-end budget of `generate`. */
  timeoutMs?: number;
  /** End-to-end budget of `stream`, from its first read to its end. */
  streamTimeoutMs?: number;
  /** End-to-end budget of `embed`. */
  embedTimeoutMs?: number;
  /** Streams: time-to-first-chunk limit. Default: none (the stream's budget bounds it). */
  firstChunkTimeoutMs?: number;
  /** Streams: limit between chunks. Default: none. */
  idleTimeoutMs?: number;
}

/** Core's budgets for a call that sets none and whose backend declares none. */
export const defaultBudgets: Readonly<Required<Pick<BackendDefaults, 'timeoutMs' | 'streamTimeoutMs' | 'embedTimeoutMs'>>> = {
  timeoutMs: 300_000,
  streamTimeoutMs: 600_000,
  embedTimeoutMs: 60_000,
};

/** An `LLMClient` made by `createBackend`, with what it declares about itself. */
export interface Backend extends LLMClient {
  readonly capabilities: BackendCapabilities;
  /** What one request to `model` costs a concurrency limiter. */
  costOf(model: string): number;
  /** How long a limiter keeps the units of a call that ended early (see `BackendDefinition`). */
  readonly abortGraceMs?: number;
}

const defaultCapabilities: BackendCapabilities = {
  embeddings: false,
  jsonMode: true,
  usage: true,
  tools: false,
  images: false,
  reasoning: false,
  structuredOutputs: false,
};

export function createBackend(definition: BackendDefinition): Backend {
  const { name } = definition;
  const capabilities: BackendCapabilities = { ...defaultCapabilities, ...definition.capabilities };
  const { timeoutMs, streamTimeoutMs, embedTimeoutMs, firstChunkTimeoutMs, idleTimeoutMs } = { ...defaultBudgets, ...stripUndefined(definition.defaults ?? {}) };
  const budgets: Readonly<Record<Operation, Partial<CallOptions>>> = {
    generate: { timeoutMs },
    stream: stripUndefined({ timeoutMs: streamTimeoutMs, firstChunkTimeoutMs, idleTimeoutMs }),
    embed: { timeoutMs: embedTimeoutMs },
  };

  /**
   * The call's options as this backend applies them: its own `providerOptions` entry, its budgets
   * where the caller set none (an explicit `undefined`, as wrappers pass, sets none), and a refusal
   * of what it declares it cannot do, before the network.
   */
  const prepare = <T extends CallOptions | EmbedOptions>(operation: Operation, options: T, messages?: readonly Message[]): T => {
    const missing = neededCapabilities(operation, options, messages).find((capability) => !capabilities[capability]);
    if (missing !== undefined) throw capabilityError(missing, { backend: name, model: options.model });
    const own = options.providerOptions === undefined ? options : optionsFor(options, name, true);
    const budget = budgets[operation];
    const prepared = { ...budget, ...stripUndefined(own) } as T;
    // A deadline alone is the caller's budget: the default must not cut it short.
    if (options.timeoutMs === undefined && options.deadline !== undefined) prepared.timeoutMs = undefined;
    return prepared;
  };

  const openScope = (options: CallOptions | EmbedOptions): CallScope =>
    new CallScope(options, { backend: name, model: options.model, timeoutHint: definition.timeoutHint });

  /** Aborts and timeouts win over whatever the SDK threw while being torn down. */
  const toTypedError = (error: unknown, scope: CallScope, operation: Operation, model: string): RouterError => {
    const aborted = scope.abortError();
    if (aborted) return aborted;
    if (RouterError.isInstance(error)) return error;
    const mapped = definition.mapError?.(error, { operation, backend: name, model });
    if (mapped) return mapped;
    const message = error instanceof Error ? error.message : String(error);
    return new BackendError(`${name}: ${message}`, { backend: name, model, cause: error });
  };

  const metadata = (model: string, startedAt: number, started: number) => ({
    backend: name,
    adapter: name,
    model,
    attempts: 1,
    timings: { startedAt, totalMs: performance.now() - started },
  });

  return markTyped({
    name,
    capabilities,
    costOf: (model) => definition.costOf?.(model) ?? 1,
    ...(definition.abortGraceMs && { abortGraceMs: definition.abortGraceMs }),

    async generate(messages, rawOptions) {
      validateCall(messages, rawOptions);
      const options = prepare('generate', rawOptions, messages);
      const startedAt = Date.now();
      const started = performance.now();
      const scope = openScope(options);
      try {
        scope.signal.throwIfAborted();
        const output = await definition.generate({ messages, options, signal: scope.signal, remainingMs: () => scope.remainingMs() });
        const aborted = scope.abortError();
        if (aborted) throw aborted;
        const completion: Completion = {
          ...metadata(output.model ?? options.model, startedAt, started),
          text: output.text,
          finishReason: finishReasonOf(output.finishReason, output.toolCalls),
        };
        if (output.usage) completion.usage = output.usage;
        if (output.toolCalls?.length) completion.toolCalls = output.toolCalls;
        if (output.reasoning) completion.reasoning = output.reasoning;
        if (output.providerMetadata) completion.providerMetadata = output.providerMetadata;
        return completion;
      } catch (error) {
        throw toTypedError(error, scope, 'generate', options.model);
      } finally {
        scope.dispose();
      }
    },

    stream(messages, rawOptions) {
      let options: CallOptions;
      try {
        validateCall(messages, rawOptions);
        options = prepare('stream', rawOptions, messages);
      } catch (error) {
        return CompletionStream.failed(error);
      }
      const call: BackendStreamCall = {
        backend: name,
        options,
        openScope: () => openScope(options),
        open: (scope) => definition.stream({ messages, options, signal: scope.signal, remainingMs: () => scope.remainingMs() }),
        toTypedError: (error, scope) => toTypedError(error, scope, 'stream', options.model),
        complete(finish, text, extras, started, firstChunkMs) {
          const completion: Completion = {
            ...metadata(finish.model ?? options.model, started.at, started.now),
            text,
            finishReason: finishReasonOf(finish.finishReason, extras.toolCalls),
          };
          if (firstChunkMs !== undefined) completion.timings.firstChunkMs = firstChunkMs;
          if (finish.usage) completion.usage = finish.usage;
          if (extras.toolCalls.length) completion.toolCalls = extras.toolCalls;
          if (extras.reasoning) completion.reasoning = extras.reasoning;
          if (finish.providerMetadata) completion.providerMetadata = finish.providerMetadata;
          return completion;
        },
      };
      return new CompletionStream((sink, mode) => new BackendStreamReader(call, sink, mode));
    },

    async embed(input, rawOptions) {
      validateEmbed(input, rawOptions);
      if (!definition.embed) throw new UnsupportedOperationError('embeddings', { backend: name, model: rawOptions.model, capability: 'embeddings' });
      const options = prepare('embed', rawOptions);
      const startedAt = Date.now();
      const started = performance.now();
      const scope = openScope(options);
      try {
        scope.signal.throwIfAborted();
        const inputs = typeof input === 'string' ? [input] : input;
        const output = await definition.embed({ input: inputs, options, signal: scope.signal, remainingMs: () => scope.remainingMs() });
        const aborted = scope.abortError();
        if (aborted) throw aborted;
        if (output.embeddings.length !== inputs.length) {
          throw new BackendError(`${name}: expected ${inputs.length} embeddings, got ${output.embeddings.length}.`, {
            backend: name,
            model: options.model,
          });
        }
        const result: Embeddings = { ...metadata(output.model ?? options.model, startedAt, started), embeddings: output.embeddings };
        if (output.usage) result.usage = output.usage;
        if (output.providerMetadata) result.providerMetadata = output.providerMetadata;
        return result;
      } catch (error) {
        throw toTypedError(error, scope, 'embed', options.model);
      } finally {
        scope.dispose();
      }
    },
  });
}

/** A model that called tools stopped to call them, whatever the server said (older vLLM and LM Studio say `stop`). */
function finishReasonOf(reason: FinishReason, toolCalls: readonly ToolCall[] | undefined): FinishReason {
  return toolCalls?.length && (reason === 'stop' || reason === 'unknown') ? 'tool-calls' : reason;
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  const copy = { ...options };
  for (const key of Object.keys(copy) as (keyof T)[]) if (copy[key] === undefined) delete copy[key];
  return copy;
}
