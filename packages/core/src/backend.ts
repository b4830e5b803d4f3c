import { BackendStreamReader, type BackendStreamCall } from './backend-stream.ts';
import { BackendError, RouterError, UnsupportedOperationError } from './errors.ts';
import { CallScope } from './scope.ts';
import { CompletionStream, type StreamPart } from './stream.ts';
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
  /** Yields text parts and then exactly one finish part; ending without it is an error. */
  stream(call: BackendCall): AsyncIterable<StreamPart>;
  embed?(call: BackendEmbedCall): Promise<EmbedOutput>;
  /** Turns what the SDK threw into a typed error; return undefined to use the generic mapping. */
  mapError?(error: unknown, context: ErrorContext): RouterError | undefined;
  /** Defaults applied when the caller did not set them (e.g. a generous first-chunk budget for cold starts). */
  defaults?: Pick<CallOptions, 'timeoutMs' | 'firstChunkTimeoutMs' | 'idleTimeoutMs'>;
  /** Appended to deadline timeout messages, e.g. to explain a cold start. */
  timeoutHint?: string;
  /** What one request to `model` costs a concurrency limiter (Featherless plan units). Default 1. */
  costOf?(model: string): number;
}

/** An `LLMClient` made by `createBackend`, with what it declares about itself. */
export interface Backend extends LLMClient {
  readonly capabilities: BackendCapabilities;
  /** What one request to `model` costs a concurrency limiter. */
  costOf(model: string): number;
}

const defaultCapabilities: BackendCapabilities = { embeddings: false, jsonMode: true, usage: true };

export function createBackend(definition: BackendDefinition): Backend {
  const { name } = definition;
  const capabilities: BackendCapabilities = { ...defaultCapabilities, ...definition.capabilities };
  const defaults = definition.defaults ?? {};

  const withDefaults = <T extends CallOptions | EmbedOptions>(options: T): T =>
    definition.defaults === undefined ? options : { ...defaults, ...stripUndefined(options) };

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
    model,
    attempts: 1,
    timings: { startedAt, totalMs: performance.now() - started },
  });

  return {
    name,
    capabilities,
    costOf: (model) => definition.costOf?.(model) ?? 1,

    async generate(messages, rawOptions) {
      validateCall(messages, rawOptions);
      const options = withDefaults(rawOptions);
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
          finishReason: output.finishReason,
        };
        if (output.usage) completion.usage = output.usage;
        if (output.providerMetadata) completion.providerMetadata = output.providerMetadata;
        return completion;
      } catch (error) {
        throw toTypedError(error, scope, 'generate', options.model);
      } finally {
        scope.dispose();
      }
    },

    stream(messages, rawOptions) {
      try {
        validateCall(messages, rawOptions);
      } catch (error) {
        return CompletionStream.failed(error);
      }
      const options = withDefaults(rawOptions);
      const call: BackendStreamCall = {
        backend: name,
        options,
        openScope: () => openScope(options),
        open: (scope) => definition.stream({ messages, options, signal: scope.signal, remainingMs: () => scope.remainingMs() }),
        toTypedError: (error, scope) => toTypedError(error, scope, 'stream', options.model),
        complete(finish, text, started, firstChunkMs) {
          const completion: Completion = { ...metadata(finish.model ?? options.model, started.at, started.now), text, finishReason: finish.finishReason };
          if (firstChunkMs !== undefined) completion.timings.firstChunkMs = firstChunkMs;
          if (finish.usage) completion.usage = finish.usage;
          if (finish.providerMetadata) completion.providerMetadata = finish.providerMetadata;
          return completion;
        },
      };
      return new CompletionStream((sink) => new BackendStreamReader(call, sink));
    },

    async embed(input, rawOptions) {
      validateEmbed(input, rawOptions);
      const options = withDefaults(rawOptions);
      if (!definition.embed || !capabilities.embeddings) {
        throw new UnsupportedOperationError('embeddings', { backend: name, model: options.model });
      }
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
  };
}

function stripUndefined<T extends object>(options: T): T {
  const copy = { ...options };
  for (const key of Object.keys(copy) as (keyof T)[]) if (copy[key] === undefined) delete copy[key];
  return copy;
}
