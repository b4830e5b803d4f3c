import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection. `global.gc` exists under `--expose-gc`; vitest's
 * workers run without it, so the flag is switched on at run time and the
 * function taken from a fresh context, where V8 installs it.
 */
function garbageCollector(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const gc = garbageCollector();

/** Heap in use after full collections (twice: the first one's finalizers can free more). */
export async function settledHeapBytes(): Promise<number> {
  for (let round = 0; round < 2; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}
