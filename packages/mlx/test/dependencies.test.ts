import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function manifestAt(directory: string): Manifest {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as Manifest;
}

/** Where Node finds package `name` from `fromDirectory`: the nearest node_modules that has it (pnpm links). */
function packageDirectory(name: string, fromDirectory: string): string {
  for (let directory = realpathSync(fromDirectory); ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(directory) === directory) throw new Error(`${name} is not installed where ${fromDirectory} can see it`);
  }
}

/** What installing a package brings in: its dependencies and required peers, transitively. */
function installedClosure(directory: string, seen = new Map<string, string>()): Map<string, string> {
  const manifest = manifestAt(directory);
  const required = Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional);
  for (const name of [...Object.keys(manifest.dependencies ?? {}), ...required]) {
    if (seen.has(name)) continue;
    const found = packageDirectory(name, directory);
    seen.set(name, found);
    installedClosure(found, seen);
  }
  return seen;
}

describe('what @router/mlx brings in', () => {
  it('only core, openai-compatible and the openai SDK: no AI SDK packages', () => {
    const here = join(dirname(fileURLToPath(import.meta.url)), '..');
    const names = [...installedClosure(here).keys()].sort();
    expect(names).toEqual(['@router/core', '@router/openai-compatible', 'openai']);
  });
});
