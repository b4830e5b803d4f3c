import type { IntegrityCheck } from './integrity.ts';
import type { Variant } from './rounds.ts';
import type { BenchModel } from './simulator/models.ts';
import type { Target } from './targets/target.ts';

/** One non-streaming call per operation; the reply is checked. */
export function generateOp(target: Target, model: BenchModel, check: IntegrityCheck): Variant {
  return {
    label: target.label,
    op: async () => {
      check.checkText(await target.generate(model.id));
      return {};
    },
  };
}

/** One stream per operation, read to its end; every chunk is checked and the first one timed. */
export function streamOp(target: Target, model: BenchModel, check: IntegrityCheck): Variant {
  return {
    label: target.label,
    op: async () => {
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
    },
  };
}
