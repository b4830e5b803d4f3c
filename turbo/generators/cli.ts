/**
 * `./pnpmw gen backend [--name acme --base-url URL --key-env ACME_API_KEY --auth required|optional --dialect openai ...]`
 *
 * Runs the `backend` generator of `config.ts` with `@turbo/gen` (the generator
 * engine behind `turbo gen`; called directly, so it never downloads a copy
 * matching turbo's own version). Without flags it asks every question; with
 * `--name` it asks none, filling the others with defaults.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [generator, ...rest] = process.argv.slice(2);
if (generator !== 'backend') {
  console.error('usage: ./pnpmw gen backend [--name NAME --title TITLE --base-url URL --key-env VAR --auth required|optional --dialect DIALECT --description TEXT]');
  process.exit(2);
}

const { values } = parseArgs({
  args: rest,
  strict: true,
  options: {
    name: { type: 'string' },
    title: { type: 'string' },
    'base-url': { type: 'string' },
    'key-env': { type: 'string' },
    auth: { type: 'string' },
    dialect: { type: 'string' },
    description: { type: 'string' },
  },
});

const args: string[] = [];
if (values.name !== undefined) {
  const name = values.name;
  const title = values.title ?? name.charAt(0).toUpperCase() + name.slice(1);
  // The answers in the order of the prompts in config.ts.
  args.push(
    name,
    title,
    values['base-url'] ?? 'http://localhost:8000/v1',
    values['key-env'] ?? `${name.toUpperCase().replaceAll('-', '_')}_API_KEY`,
    values.auth ?? 'required',
    values.dialect ?? 'openai',
    values.description ?? `A @router backend for ${title}.`,
  );
}

const cli = join(root, 'node_modules', '@turbo', 'gen', 'dist', 'cli.js');
const result = spawnSync(process.execPath, [cli, 'run', 'backend', '--root', root, ...(args.length > 0 ? ['--args', ...args] : [])], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
