import type { LanguageModelV3StreamPart, SharedV3ProviderMetadata, SharedV3Warning } from '@ai-sdk/provider';
import type { Completion, FinishPart, StreamPart } from '@router/core';
import { finishReasonFrom, usageFrom } from './results.ts';

type Controller = ReadableStreamDefaultController<LanguageModelV3StreamPart>;

/** How a translated stream reaches the router's completion and the AI SDK's errors. */
export interface StreamEnding {
  /** The router stream's completion (settled once its parts have ended). */
  completion: () => Promise<Completion>;
  /** What `finish` carries under `providerMetadata`. */
  metadata: (completion: Completion) => SharedV3ProviderMetadata;
  /** A router error as the AI SDK's. */
  toError: (error: unknown) => unknown;
  /** The caller's abort signal: an abort errors the stream with its reason, as a fetch body does. */
  signal: AbortSignal | undefined;
}

/**
 * The router's typed parts as the AI SDK's stream parts: `stream-start`
 * first, text and reasoning in blocks (`*-start`, `*-delta`, `*-end`, a
 * block closed when the other kind or a tool call begins), tool input in
 * pieces then the whole `tool-call`, and at the end `response-metadata` and
 * `finish` with the router's metadata. The first part was read before the
 * stream was handed out, so a failure before it (after the router's own
 * retries and fallbacks) was an error of `doStream`; a failure after it is
 * an `error` part followed by a `finish` with reason `error`, never a
 * thrown exception.
 */
export function partsStream(
  parts: AsyncIterator<StreamPart, unknown>,
  first: IteratorResult<StreamPart, unknown>,
  warnings: SharedV3Warning[],
  ending: StreamEnding,
): ReadableStream<LanguageModelV3StreamPart> {
  const translator = new PartTranslator();
  let next: IteratorResult<StreamPart, unknown> | undefined = first;
  return new ReadableStream<LanguageModelV3StreamPart>(
    {
      start(controller) {
        controller.enqueue({ type: 'stream-start', warnings });
      },
      async pull(controller) {
        try {
          // A pull that enqueues nothing is not called again: read on until a part gives the AI SDK something.
          let result = next ?? (await parts.next());
          next = undefined;
          for (; !result.done; result = await parts.next()) if (translator.translate(result.value, controller)) return;
          const completion = await ending.completion();
          translator.finish(controller, completion, ending.metadata(completion));
        } catch (error) {
          if (ending.signal?.aborted) return controller.error(ending.signal.reason);
          translator.fail(controller, ending.toError(error));
        }
        controller.close();
      },
      async cancel() {
        // The consumer stopped reading: the router aborts the request and frees its slot.
        await parts.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Which blocks are open, so each gets its start and end. Text and reasoning
 * take turns: at most one of them is open, and a tool call closes it.
 */
class PartTranslator {
  #blocks = 0;
  #open: { kind: 'text' | 'reasoning'; id: string } | undefined;
  /** Tool call ids by the router's index, open until their `tool-call`. */
  readonly #tools = new Map<number, string>();
  #finish: FinishPart | undefined;

  /** Enqueues what `part` means to the AI SDK; false when that is nothing (yet). */
  translate(part: StreamPart, controller: Controller): boolean {
    switch (part.type) {
      case 'text':
      case 'reasoning': {
        let open = this.#open;
        if (open?.kind !== part.type) {
          this.#closeTextOrReasoning(controller);
          open = this.#open = { kind: part.type, id: String(this.#blocks++) };
          controller.enqueue({ type: part.type === 'text' ? 'text-start' : 'reasoning-start', id: open.id });
        }
        controller.enqueue({ type: part.type === 'text' ? 'text-delta' : 'reasoning-delta', id: open.id, delta: part.text });
        return true;
      }
      case 'tool-call-start':
        this.#closeTextOrReasoning(controller);
        this.#tools.set(part.index, part.id);
        controller.enqueue({ type: 'tool-input-start', id: part.id, toolName: part.name });
        return true;
      case 'tool-call-delta': {
        const id = this.#tools.get(part.index);
        if (id === undefined) return false;
        controller.enqueue({ type: 'tool-input-delta', id, delta: part.argumentsDelta });
        return true;
      }
      case 'tool-call': {
        const { id, name, arguments: input } = part.toolCall;
        if (this.#tools.delete(part.index)) controller.enqueue({ type: 'tool-input-end', id });
        controller.enqueue({ type: 'tool-call', toolCallId: id, toolName: name, input });
        return true;
      }
      case 'finish':
        // Sent with the router's metadata once the stream has ended.
        this.#finish = part;
        return false;
    }
  }

  finish(controller: Controller, completion: Completion, providerMetadata: SharedV3ProviderMetadata): void {
    this.#closeBlocks(controller);
    const finish = this.#finish;
    controller.enqueue({ type: 'response-metadata', modelId: completion.model });
    controller.enqueue({
      type: 'finish',
      finishReason: finishReasonFrom(finish?.finishReason ?? completion.finishReason),
      usage: usageFrom(finish?.usage ?? completion.usage),
      providerMetadata,
    });
  }

  /** A failure after the first part: the error as a part, then a finish that says so. */
  fail(controller: Controller, error: unknown): void {
    this.#closeBlocks(controller);
    controller.enqueue({ type: 'error', error });
    controller.enqueue({ type: 'finish', finishReason: { unified: 'error', raw: undefined }, usage: usageFrom(undefined) });
  }

  #closeBlocks(controller: Controller): void {
    this.#closeTextOrReasoning(controller);
    for (const id of this.#tools.values()) controller.enqueue({ type: 'tool-input-end', id });
    this.#tools.clear();
  }

  #closeTextOrReasoning(controller: Controller): void {
    const open = this.#open;
    if (open === undefined) return;
    controller.enqueue({ type: open.kind === 'text' ? 'text-end' : 'reasoning-end', id: open.id });
    this.#open = undefined;
  }
}
