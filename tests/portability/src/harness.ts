/**
 * Just enough of a test runner to run the same cases on Node, Deno and Bun
 * with web-standard APIs only: no runner's own API, no `node:` module.
 */

export interface PortableCase {
  name: string;
  run(): Promise<void>;
}

export class AssertionFailed extends Error {
  override name = 'AssertionFailed';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}

export function assertEqual<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new AssertionFailed(`${what}: expected ${e}, got ${a}`);
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new AssertionFailed(`${what}: expected a rejection, but it resolved`);
}

/** A timer that honours an abort signal, as an SDK's network wait would. */
export function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RunResult {
  passed: number;
  failed: number;
}

/** Runs the cases one after another, printing one line per case. */
export async function runCases(cases: readonly PortableCase[], log: (line: string) => void): Promise<RunResult> {
  let passed = 0;
  let failed = 0;
  for (const c of cases) {
    try {
      await c.run();
      passed++;
      log(`ok   ${c.name}`);
    } catch (error) {
      failed++;
      log(`FAIL ${c.name}\n     ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
  }
  return { passed, failed };
}
