/**
 * The main entry's size budget: at most 10 kB (10,000 bytes) gzipped, as the
 * project promises. Part of `lint`, after the build, so a change that grows
 * the bundle past it fails CI instead of being noticed in a benchmark later.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const budgetBytes = 10_000;

/** The entry and every chunk it imports, transitively: what loading it really costs. */
function loaded(file: URL, seen = new Set<string>()): string[] {
  if (seen.has(file.href)) return [];
  seen.add(file.href);
  const code = readFileSync(file, 'utf8');
  const chunks = [...code.matchAll(/(?:import|export)\s*(?:[^'"`;]*?from\s*)?["'](\.\/[^"']+)["']/g)].map((match) => new URL(match[1]!, file));
  return [code, ...chunks.flatMap((chunk) => loaded(chunk, seen))];
}

const gzipped = gzipSync(loaded(new URL('../dist/index.js', import.meta.url)).join('\n')).length;
const verdict = `@router/core main entry: ${gzipped} bytes gzipped (budget ${budgetBytes})`;
if (gzipped > budgetBytes) {
  console.error(`${verdict}: over budget. Move what not every app needs to an entry of its own (see src/reliability.ts).`);
  process.exitCode = 1;
} else {
  console.log(verdict);
}
