import type { RouterError } from './errors.ts';
import type { FinishReason, Operation, Usage } from './types.ts';

interface CallEventBase {
  /** Unique per call within the process; pairs a call's start with its end. */
  callId: number;
  operation: Operation;
  /** The backend the call was routed to. */
  backend: string;
  /** The requested model id. */
  model: string;
  /** Characters of input (message contents, or embedding inputs): a size, never the text. */
  inputChars: number;
}

export interface CallStartEvent extends CallEventBase {
  type: 'call-start';
  /** Number of embedding inputs (embed only). */
  inputs?: number;
}

export interface FirstChunkEvent extends CallEventBase {
  type: 'first-chunk';
  ttftMs: number;
}

export interface CallEndEvent extends CallEventBase {
  type: 'call-end';
  durationMs: number;
  ttftMs?: number;
  outputChars: number;
  /** The backend that finally served (differs from `backend` after a fallback). */
  servedBy: string;
  attempts: number;
  finishReason?: FinishReason;
  usage?: Usage;
  inputs?: number;
}

export interface CallErrorEvent extends CallEventBase {
  type: 'call-error';
  durationMs: number;
  ttftMs?: number;
  /** Characters delivered before the failure (streams). */
  outputChars: number;
  error: RouterError;
}

export type RouterEvent = CallStartEvent | FirstChunkEvent | CallEndEvent | CallErrorEvent;

/** A subscriber to router events. Must not throw; it runs on the call's hot path. */
export type RouterListener = (event: RouterEvent) => void;

/** Calls every listener; a listener that throws is reported as a warning and never breaks the call. */
export function emit(listeners: readonly RouterListener[], event: RouterEvent): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch (error) {
      globalThis.process?.emitWarning?.(`@router/core: a router listener threw on "${event.type}": ${String(error)}`);
    }
  }
}
