import type { RouterError } from './errors.ts';
import type { BreakerState } from './reliability/breaker.ts';
import type { CallOptions, Completion, EmbedOptions, Embeddings, FinishReason, Message, Operation, Usage } from './types.ts';

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

/**
 * The call as the caller made it, for listeners that record request settings
 * or (opted in) content. It holds message text and headers that may carry
 * credentials, so events hand it out through a function: serialising an event
 * (as the timing log's JSON lines do) never writes it.
 */
export interface CallRequest {
  options: CallOptions | EmbedOptions;
  /** Chat calls. */
  messages?: readonly Message[];
  /** Embed calls. */
  input?: string | readonly string[];
}

export interface CallStartEvent extends CallEventBase {
  type: 'call-start';
  /** Number of embedding inputs (embed only). */
  inputs?: number;
  request: () => CallRequest;
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
  /** The backend that finally served, by the router's key for it (differs from `backend` after a fallback). */
  servedBy: string;
  /** The adapter that served, by its own name (`featherless` where `servedBy` says `narrative`). */
  adapter: string;
  attempts: number;
  finishReason?: FinishReason;
  usage?: Usage;
  inputs?: number;
  /** What the call returned (the served model, the text); a function for the same reason as `request`. */
  result: () => Completion | Embeddings;
}

export interface CallErrorEvent extends CallEventBase {
  type: 'call-error';
  durationMs: number;
  ttftMs?: number;
  /** Characters delivered before the failure (streams). */
  outputChars: number;
  error: RouterError;
}

/** Where a reliability event happened: the call, and the backend and model of the attempt concerned. */
interface AttemptEventBase extends Omit<CallEventBase, 'inputChars'> {}

/** An attempt got past the breaker and the queue and is about to call the backend. */
export interface AttemptStartEvent extends AttemptEventBase {
  type: 'attempt-start';
  /** 1-based, counted across retries and fallbacks. */
  attempt: number;
}

/** An attempt ended (a stream's attempt ends when the stream does). */
export interface AttemptEndEvent extends AttemptEventBase {
  type: 'attempt-end';
  attempt: number;
  durationMs: number;
  /** Absent on success. */
  error?: RouterError;
}

/** The call waits `delayMs` and tries the same backend again. */
export interface RetryEvent extends AttemptEventBase {
  type: 'retry';
  /** The attempt that failed. */
  attempt: number;
  delayMs: number;
  error: RouterError;
}

/** The call waited for a concurrency slot. */
export interface QueueWaitEvent extends AttemptEventBase {
  type: 'queue-wait';
  waitMs: number;
}

/** The call moves from `backend` to the next link of its fallback chain. */
export interface FallbackEvent extends AttemptEventBase {
  type: 'fallback';
  to: string;
  toModel: string;
  error: RouterError;
}

/** A backend's circuit breaker changed state. */
export interface BreakerEvent extends AttemptEventBase {
  type: 'breaker';
  state: BreakerState;
  previous: BreakerState;
}

export type RouterEvent =
  | CallStartEvent
  | FirstChunkEvent
  | CallEndEvent
  | CallErrorEvent
  | AttemptStartEvent
  | AttemptEndEvent
  | RetryEvent
  | QueueWaitEvent
  | FallbackEvent
  | BreakerEvent;

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
