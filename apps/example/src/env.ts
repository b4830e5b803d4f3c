import { existsSync } from 'node:fs';

/**
 * Loads `.env` from the working directory when there is one, as `.env.example` invites. Variables
 * already set in the environment win over the file, so `FOO=x pnpm start` still overrides it.
 */
export function loadDotEnv(path: string = '.env'): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}
