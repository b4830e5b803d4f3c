import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { BenchCase } from '../context.ts';
import { figure } from '../figures.ts';
import { repoRoot, runCommand, runNodeJson } from '../node-process.ts';
import { median } from '../stats.ts';

const coreDir = join(repoRoot, 'packages/core');
const dist = join(coreDir, 'dist');
const mainEntry = join(dist, 'index.js');

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  try {
    return Math.max(0, ...readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((file) => statSync(join(dir, file)).mtimeMs));
  } catch {
    return 0;
  }
}

/** Builds core when its bundle is missing or older than its sources. */
async function ensureBuilt(progress: (message: string) => void): Promise<void> {
  let built = 0;
  try {
    built = statSync(mainEntry).mtimeMs;
  } catch {
    // Not built yet.
  }
  if (built >= newest(join(coreDir, 'src'))) return;
  progress('core: building @router/core (its dist is missing or older than its sources)');
  const build = ['--filter', '@router/core', 'build'];
  const run = await runCommand(join(repoRoot, 'pnpmw'), build);
  if (run.code !== 0) throw new Error(`could not build @router/core (./pnpmw ${build.join(' ')}):\n${run.stderr || run.stdout}`);
}

const gzipped = (file: string): number => gzipSync(readFileSync(file)).length;

/** Case 6: what `@router/core` weighs in a bundle, and how long importing it takes in a fresh process. */
export const coreBundleCase: BenchCase = {
  key: 'core',
  title: '@router/core: gzipped bundle and import time of the built package',
  async run({ quick, progress }) {
    await ensureBuilt(progress);
    const entries = readdirSync(dist).filter((file) => file.endsWith('.js'));
    const imports = quick ? 5 : 15;
    progress(`core: importing the built bundle in ${imports} fresh processes`);
    const code = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(mainEntry).href)}); console.log(JSON.stringify({ ms: performance.now() - t }));`;
    const times: number[] = [];
    for (let i = 0; i < imports; i++) times.push((await runNodeJson<{ ms: number }>(['--input-type=module', '-e', code])).ms);
    return {
      'mainEntry.gzip': figure(gzipped(mainEntry) / 1024, 'KB'),
      'mainEntry.raw': figure(statSync(mainEntry).size / 1024, 'KB'),
      'allEntries.gzip': figure(entries.reduce((sum, file) => sum + gzipped(join(dist, file)), 0) / 1024, 'KB'),
      'importTime.median': figure(median(times), 'ms'),
    };
  },
};
