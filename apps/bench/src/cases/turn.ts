import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchCase } from '../context.ts';
import { atMost, figure } from '../figures.ts';
import { repoRoot, runNodeJson } from '../node-process.ts';
import { median } from '../stats.ts';

/** What the example app prints with `--json` (the part used here). */
interface TurnJson {
  turnMs: number;
  criticalPathMs: number;
  error?: string;
}

const exampleMain = join(repoRoot, 'apps/example/src/main.ts');

/**
 * Case 7: the seed's headline in miniature. The example app plays one turn
 * against its simulated services (in its own process, with the latency
 * profiles of the real ones): the classifier pairs in parallel with the
 * narrative stream, or one after another as before the seed's fix; and the
 * turn's critical path, which the app computes from its own calls.
 */
export const turnCase: BenchCase = {
  key: 'turn',
  title: 'the example app: one simulated turn, parallel vs sequential vs its critical path',
  async run({ quick, progress }) {
    const runs = quick ? 1 : 3;
    const dir = mkdtempSync(join(tmpdir(), 'router-bench-turn-'));
    const results = { parallel: [] as TurnJson[], sequential: [] as TurnJson[] };
    try {
      for (let run = 0; run < runs; run++) {
        for (const mode of ['parallel', 'sequential'] as const) {
          progress(`turn: example app, ${mode}, run ${run + 1}/${runs}`);
          // A fresh memory database each time, so every run plays the same first turn.
          const args = [exampleMain, '--json', '--simulate', '--db', join(dir, `${mode}-${run}.sqlite`)];
          const turn = await runNodeJson<TurnJson>(mode === 'sequential' ? [...args, '--sequential'] : args);
          if (turn.error !== undefined) throw new Error(`the example app's ${mode} turn failed: ${turn.error}`);
          results[mode].push(turn);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const parallel = median(results.parallel.map((t) => t.turnMs));
    const sequential = median(results.sequential.map((t) => t.turnMs));
    const criticalPath = median(results.parallel.map((t) => t.criticalPathMs));
    return {
      'parallel.turn': figure(parallel, 'ms'),
      'sequential.turn': figure(sequential, 'ms'),
      'parallel.criticalPath': figure(criticalPath, 'ms'),
      'parallel.vsCriticalPath': atMost(parallel / criticalPath, '×', 1.1, '≤ 1.10×'),
      'sequential.vsParallel': figure(sequential / parallel, '×'),
    };
  },
};
