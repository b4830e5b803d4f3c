import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// Installing, building and testing a package from scratch: minutes at worst on a loaded 2-core machine.
const stepTimeoutMs = 240_000;

/** The workspace as a fresh clone would have it: tracked and new files, nothing ignored (no node_modules, dist, caches). */
function copyWorkspace(into: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  for (const file of listed.split('\0')) {
    // Regular files only: .tools (a symlink in worktrees) is linked below, deleted files are gone.
    if (file === '' || !existsSync(join(root, file)) || !lstatSync(join(root, file)).isFile()) continue;
    mkdirSync(dirname(join(into, file)), { recursive: true });
    copyFileSync(join(root, file), join(into, file));
  }
  // The pinned Node and pnpm, shared rather than installed again.
  if (existsSync(join(root, '.tools'))) symlinkSync(realpathSync(join(root, '.tools')), join(into, '.tools'));
}

/** Runs `./pnpmw ...args` in the copy; resolves with its output, rejects with the output's end on failure. */
function pnpmw(cwd: string, args: string[]): Promise<string> {
  // The nested vitest and turbo must not think they run inside this test's workers.
  const inherited = Object.entries(process.env).filter(([key]) => !/^(VITEST|TEST$|NODE_ENV$|FORCE_COLOR$)/.test(key));
  const env = { ...Object.fromEntries(inherited), NO_COLOR: '1' };
  return new Promise((resolve, reject) => {
    const child = spawn(join(cwd, 'pnpmw'), args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`./pnpmw ${args.join(' ')} exited with ${String(code)}:\n${output.slice(-4000)}`));
    });
  });
}

describe('./pnpmw gen backend', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'router-gen-'));
    copyWorkspace(work);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it(
    'makes a backend package, its changeset and its lockfile entry, from flags alone',
    async () => {
      await pnpmw(work, ['gen', 'backend', '--name', 'acme', '--base-url', 'http://localhost:9999/v1', '--key-env', 'ACME_API_KEY', '--dialect', 'openai']);
      for (const file of ['package.json', 'README.md', 'tsconfig.json', 'tsdown.config.ts', 'vitest.config.ts', 'src/index.ts', 'src/backend.ts', 'test/conformance.test.ts']) {
        expect(existsSync(join(work, 'packages/acme', file)), file).toBe(true);
      }
      expect(readFileSync(join(work, '.changeset/acme-initial.md'), 'utf8')).toContain('"@router/acme": minor');
      expect(readFileSync(join(work, 'pnpm-lock.yaml'), 'utf8')).toContain('packages/acme:');
      const backend = readFileSync(join(work, 'packages/acme/src/backend.ts'), 'utf8');
      expect(backend).toContain("variable: 'ACME_API_KEY'");
      expect(backend).toContain("'http://localhost:9999/v1'");
      expect(backend.trimEnd().split('\n').length, 'a new backend is at most 30 lines of its own').toBeLessThanOrEqual(30);
    },
    stepTimeoutMs,
  );

  it(
    'the generated backend builds, typechecks and lints',
    async () => {
      await pnpmw(work, ['exec', 'turbo', 'run', 'build', 'typecheck', 'lint', '--filter=@router/acme', '--output-logs=errors-only']);
      expect(existsSync(join(work, 'packages/acme/dist/index.d.ts'))).toBe(true);
    },
    stepTimeoutMs,
  );

  it(
    'the generated backend passes its conformance test',
    async () => {
      const output = await pnpmw(work, ['exec', 'vitest', 'run', 'packages/acme', '--reporter=dot']);
      expect(output).toMatch(/Tests\s+\d+ passed/);
      expect(output).not.toMatch(/\d+ failed/);
    },
    stepTimeoutMs,
  );
});
