import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PlopTypes } from '@turbo/gen';
import { DIALECTS } from '../../packages/testing/src/simulator/types.ts';

/**
 * `./pnpmw gen backend`: a new OpenAI-compatible backend package, made from
 * `templates/backend`, with its conformance test and a changeset. Answers come
 * from prompts, or in order from `--args` (see `cli.ts` for named flags).
 */
export default function generator(plop: PlopTypes.NodePlopAPI): void {
  const root = plop.getDestBasePath();

  plop.setGenerator('backend', {
    description: 'A backend package on @router/openai-compatible, with a conformance test, README and changeset',
    prompts: [
      {
        type: 'input',
        name: 'name',
        message: 'Package name, without @router/ (lowercase, e.g. ollama):',
        validate: (value: string) => {
          if (!/^[a-z][a-z0-9-]*$/.test(value)) return 'lowercase letters, digits and dashes, starting with a letter';
          if (existsSync(join(root, 'packages', value))) return `packages/${value} exists already`;
          return true;
        },
      },
      { type: 'input', name: 'title', message: 'Display name of the service (e.g. Ollama):', validate: nonEmpty },
      {
        type: 'input',
        name: 'baseUrl',
        message: 'Default base URL, with the version path (e.g. http://localhost:11434/v1):',
        validate: (value: string) => (URL.canParse(value) && /^https?:/.test(value) ? true : 'an http(s) URL'),
      },
      {
        type: 'input',
        name: 'keyEnv',
        message: 'Environment variable of the API key (e.g. OLLAMA_API_KEY):',
        validate: (value: string) => (/^[A-Z][A-Z0-9_]*$/.test(value) ? true : 'UPPER_SNAKE_CASE'),
      },
      {
        type: 'list',
        name: 'auth',
        message: 'Does the service need the key?',
        choices: ['required', 'optional'],
        validate: (value: string) => (value === 'required' || value === 'optional' ? true : 'required or optional'),
      },
      {
        type: 'list',
        name: 'dialect',
        message: 'Simulator dialect for the conformance test (add one to @router/testing for the server quirks):',
        choices: [...DIALECTS],
        validate: (value: string) => ((DIALECTS as readonly string[]).includes(value) ? true : `one of ${DIALECTS.join(', ')}`),
      },
      { type: 'input', name: 'description', message: 'One-sentence description for package.json and the README:', validate: nonEmpty },
    ],
    actions: (answers) => {
      const data = { keyRequired: answers?.auth === 'required' };
      return [
        {
          type: 'addMany',
          destination: 'packages/{{name}}',
          base: 'templates/backend',
          templateFiles: 'templates/backend/**/*.hbs',
          stripExtensions: ['hbs'],
          globOptions: { dot: true },
          data,
        },
        { type: 'add', path: '.changeset/{{name}}-initial.md', templateFile: 'templates/changeset.md.hbs', data },
        installWorkspace(root),
      ];
    },
  });
}

function nonEmpty(value: string): true | string {
  return value.trim() === '' ? 'required' : true;
}

/** Links the new package into the workspace and records it in pnpm-lock.yaml, so `./pnpmw test` works at once. */
function installWorkspace(root: string): PlopTypes.CustomActionFunction {
  return () => {
    // Under `./pnpmw gen`, npm_execpath is the project's own pnpm (a native binary, or a script for node).
    const pnpm = process.env.npm_execpath;
    const [command, args] = !pnpm ? ['pnpm', []] : /\.[cm]?js$/.test(pnpm) ? [process.execPath, [pnpm]] : [pnpm, []];
    const result = spawnSync(command, [...args, 'install', '--no-frozen-lockfile', '--prefer-offline', '--reporter=append-only'], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`pnpm install failed (exit ${String(result.status)}): run ./pnpmw install yourself`);
    return 'pnpm install: linked the package and updated pnpm-lock.yaml';
  };
}
