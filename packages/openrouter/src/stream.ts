import type { LanguageModelV4StreamPart, LanguageModelV4StreamResult } from '@ai-sdk/provider';
import type { StreamPart } from '@router/core';
import { StreamErrorEvent } from './errors.ts';
import { finishReasonFrom, providerMetadataFrom, usageFrom } from './metadata.ts';

const noop = (): void => {};

/**
 * The provider model's own stream (`doStream`) as core's stream parts: text,
 * reasoning, tool-call starts and argument pieces, one finish. Reading the
 * model's stream directly skips `streamText`'s pipeline (its steps, tool
 * execution, telemetry and output transforms), which this backend does not
 * use and which cost several times the CPU of the request itself per chunk.
 */
export async function* streamParts(result: LanguageModelV4StreamResult): AsyncGenerator<StreamPart, void, undefined> {
  const reader = result.stream.getReader();
  const state: ReadState = { generationId: undefined, model: undefined, toolIndexes: undefined };
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      const part = partFrom(next.value, state, result);
      if (part !== undefined) yield part;
    }
  } finally {
    // The consumer left early or the stream failed: stop reading the response body.
    if (!done) reader.cancel().catch(noop);
  }
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
