import type { RouterEvent } from '@router/core';

/** One row of the turn's call table. */
export interface CallRecord {
  op: 'generate' | 'stream' | 'embed';
  /** The router's key for the backend that served (or was routed to, on failure). */
  backend: string;
  /** The adapter that served, by its own name; absent on failure. */
  adapter?: string;
  model: string;
  attempts: number;
  ttftMs?: number;
  ms: number;
  ok: boolean;
  startedAt: number;
  /** The tools the model called in this call, with their arguments as it wrote them. */
  toolCalls?: { name: string; arguments: string }[];
}

/** Collects every finished call from the router's events: the hooks are how the app sees where time went. */
export class CallLog {
  readonly records: CallRecord[] = [];

  readonly listener = (event: RouterEvent): void => {
    if (event.type !== 'call-end' && event.type !== 'call-error') return;
    const ok = event.type === 'call-end';
    const record: CallRecord = {
      op: event.operation,
      backend: ok ? event.servedBy : event.backend,
      model: event.model,
      attempts: ok ? event.attempts : 1,
      ms: event.durationMs,
      ok,
      startedAt: performance.now() - event.durationMs,
    };
    if (ok) {
      record.adapter = event.adapter;
      const result = event.result();
      if ('toolCalls' in result && result.toolCalls) record.toolCalls = result.toolCalls.map(({ name, arguments: args }) => ({ name, arguments: args }));
    }
    if (event.ttftMs !== undefined) record.ttftMs = event.ttftMs;
    this.records.push(record);
  };

  /** Removes and returns the records gathered so far (one turn's worth). */
  take(): CallRecord[] {
    return this.records.splice(0);
  }
}
