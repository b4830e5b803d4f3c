import type { LanguageModelV4StreamPart, LanguageModelV4StreamResult } from '@ai-sdk/provider';
import type { StreamPart } from '@router/core';
import { StreamErrorEvent } from './errors.ts';
import { finishReasonFrom, providerMetadataFrom, usageFrom } from './metadata.ts';

const noop = (): void => {};
const ended: IteratorReturnResult<undefined> = { done: true, value: undefined };

type Read = Awaited<ReturnType<ReadableStreamDefaultReader<LanguageModelV4StreamPart>['read']>>;

/**
 * The provider model's own stream (`doStream`) as core's stream parts: text,
 * reasoning, tool-call starts and argument pieces, one finish. Reading the
 * model's stream directly skips `streamText`'s pipeline (its steps, tool
 * execution, telemetry and output transforms), which this backend does not
 * use and which cost several times the CPU of the request itself per chunk.
 *
 * A plain iterator that maps each read in a `then`, not an async generator:
 * a generator adds turns of the microtask queue to every part, and the model
 * hands over two metadata parts beside each text delta. `open` starts the
 * request at the first read.
 */
export class ModelStreamReader implements AsyncIterator<StreamPart, undefined> {
  readonly #open: () => Promise<LanguageModelV4StreamResult>;
  #result: LanguageModelV4StreamResult | undefined;
  #reader: ReadableStreamDefaultReader<LanguageModelV4StreamPart> | undefined;
  #finished = false;
  readonly #state: ReadState = { generationId: undefined, model: undefined, toolIndexes: undefined };

  constructor(open: () => Promise<LanguageModelV4StreamResult>) {
    this.#open = open;
  }

  next(): Promise<IteratorResult<StreamPart, undefined>> {
    if (this.#finished) return Promise.resolve(ended);
    if (this.#reader) return this.#readOn();
    return this.#open().then((result) => {
      this.#result = result;
      this.#reader = result.stream.getReader();
      return this.#readOn();
    });
  }

  /** The consumer left early or the stream failed: stop reading the response body. */
  return(): Promise<IteratorReturnResult<undefined>> {
    if (!this.#finished) {
      this.#finished = true;
      this.#reader?.cancel().catch(noop);
    }
    return Promise.resolve(ended);
  }

  #readOn(): Promise<IteratorResult<StreamPart, undefined>> {
    return this.#reader!.read().then(this.#map);
  }

  readonly #map = (next: Read): IteratorResult<StreamPart, undefined> | Promise<IteratorResult<StreamPart, undefined>> => {
    if (next.done) {
      this.#finished = true;
      return ended;
    }
    const part = partFrom(next.value, this.#state, this.#result!);
    return part === undefined ? this.#readOn() : { done: false, value: part };
  };
}

interface ReadState {
  generationId: string | undefined;
  model: string | undefined;
  /** Tool calls by id, numbered in the order they started (core assembles them by index). */
  toolIndexes: Map<string, number> | undefined;
}

/** One of the model's parts as core's part, or undefined for parts core has no use for (starts and ends of blocks, sources...). */
function partFrom(part: LanguageModelV4StreamPart, state: ReadState, result: LanguageModelV4StreamResult): StreamPart | undefined {
  switch (part.type) {
    case 'text-delta':
      return part.delta === '' ? undefined : { type: 'text', text: part.delta };
    case 'reasoning-delta':
      return part.delta === '' ? undefined : { type: 'reasoning', text: part.delta };
    case 'tool-input-start': {
      const indexes = (state.toolIndexes ??= new Map());
      const index = indexes.get(part.id) ?? indexes.size;
      indexes.set(part.id, index);
      return { type: 'tool-call-start', index, id: part.id, name: part.toolName };
    }
    case 'tool-input-delta': {
      const index = state.toolIndexes?.get(part.id);
      return index === undefined || part.delta === '' ? undefined : { type: 'tool-call-delta', index, argumentsDelta: part.delta };
    }
    case 'response-metadata':
      if (part.id !== undefined) state.generationId = part.id;
      if (part.modelId !== undefined) state.model = part.modelId;
      return undefined;
    case 'error':
      // Errors the provider package caught (a body that broke off, an unreadable event) come as errors; an event's own `error` object as it is.
      throw part.error instanceof Error ? part.error : new StreamErrorEvent(part.error);
    case 'finish':
      // Without a finish reason from the service the stream just stopped: no finish part, so core reports it incomplete.
      if (part.finishReason.raw === undefined) return undefined;
      return {
        type: 'finish',
        finishReason: finishReasonFrom(part.finishReason),
        usage: usageFrom(part.usage, part.providerMetadata),
        model: state.model,
        providerMetadata: providerMetadataFrom({ id: state.generationId, headers: result.response?.headers, providerMetadata: part.providerMetadata }),
      };
    default:
      // The whole `tool-call` too: core assembles calls from their pieces, which keeps arguments the provider would replace by `{}`.
      return undefined;
  }
}
