/**
 * The main entry's size budget: at most 10 kB (10,000 bytes) gzipped, as the
 * project promises. Part of `lint`, after the build, so a change that grows
 * the bundle past it fails CI instead of being noticed in a benchmark later.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const budgetBytes = 10_000;
const entry = new URL('../dist/index.js', import.meta.url);
const gzipped = gzipSync(readFileSync(entry)).length;
const verdict = `@router/core main entry: ${gzipped} bytes gzipped (budget ${budgetBytes})`;
if (gzipped > budgetBytes) {
  console.error(`${verdict}: over budget. Move what not every app needs to an entry of its own (see src/reliability.ts).`);
  process.exitCode = 1;
} else {
  console.log(verdict);
}
