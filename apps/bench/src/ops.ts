import type { IntegrityCheck, ToolCallCheck } from './integrity.ts';
import type { BenchModel } from './simulator/models.ts';
import type { Target, ToolTarget } from './targets/target.ts';

/** What one operation reports besides its duration. */
export interface OpResult {
  /** Milliseconds to the first chunk (streams; with tool calls, to the first tool-call delta). */
  ttftMs?: number;
  /** Chunks received (streams; with tool calls, the deltas that carry a piece of arguments). */
  chunks?: number;
}

/** One non-streaming call per operation; the reply is checked. */
export function generateOp(target: Target, model: BenchModel, check: IntegrityCheck): () => Promise<OpResult> {
  return async () => {
    check.checkText(await target.generate(model.id));
    return {};
  };
}

/** One stream per operation, read to its end; every chunk is checked and the first one timed. */
export function streamOp(target: Target, model: BenchModel, check: IntegrityCheck): () => Promise<OpResult> {
  return async () => {
    const reader = check.begin();
    const started = performance.now();
    let ttftMs: number | undefined;
    let chunks = 0;
    await target.stream(model.id, (text) => {
      if (chunks++ === 0) ttftMs = performance.now() - started;
      reader.take(text);
    });
    reader.end();
    return ttftMs === undefined ? { chunks } : { ttftMs, chunks };
  };
}

/**
 * One tool-call stream per operation, read to its end: the first delta is
 * timed, every argument piece counted as a chunk and checked, and the calls
 * assembled compared with the ones sent.
 */
export function toolStreamOp(target: ToolTarget, model: BenchModel, check: ToolCallCheck): () => Promise<OpResult> {
  return async () => {
    const reader = check.begin();
    const started = performance.now();
    let ttftMs: number | undefined;
    let chunks = 0;
    const calls = await target.streamToolCalls(model.id, (index, piece) => {
      ttftMs ??= performance.now() - started;
      if (piece !== '') chunks++;
      reader.take(index, piece);
    });
    reader.end(calls);
    return ttftMs === undefined ? { chunks } : { ttftMs, chunks };
  };
}
