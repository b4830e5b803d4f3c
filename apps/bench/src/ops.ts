import type { IntegrityCheck } from './integrity.ts';
import type { BenchModel } from './simulator/models.ts';
import type { Target } from './targets/target.ts';

/** What one operation reports besides its duration. */
export interface OpResult {
  /** Milliseconds to the first chunk (streams). */
  ttftMs?: number;
  /** Chunks received (streams). */
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
