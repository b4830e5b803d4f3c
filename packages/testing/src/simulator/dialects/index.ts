import type { Dialect } from '../types.ts';
import type { DialectDefinition } from './dialect.ts';
import { featherlessDialect } from './featherless.ts';
import { lmstudioDialect } from './lmstudio.ts';
import { mlxLmDialect } from './mlx-lm.ts';
import { mlxDialect } from './mlx.ts';
import { ollamaDialect } from './ollama.ts';
import { openaiDialect } from './openai.ts';
import { openrouterDialect } from './openrouter.ts';
import { vllmLegacyDialect } from './vllm-legacy.ts';
import { vllmDialect } from './vllm.ts';

export type { DialectDefinition, ExtraRoute, StreamShape } from './dialect.ts';

export const DIALECT_DEFINITIONS: Readonly<Record<Dialect, DialectDefinition>> = {
  openai: openaiDialect,
  openrouter: openrouterDialect,
  featherless: featherlessDialect,
  mlx: mlxDialect,
  'mlx-lm': mlxLmDialect,
  ollama: ollamaDialect,
  vllm: vllmDialect,
  'vllm-legacy': vllmLegacyDialect,
  lmstudio: lmstudioDialect,
};

/** A dialect and the path below its base. */
export interface DialectMatch {
  dialect: DialectDefinition;
  path: string;
}

// Longest base first, so `/mlx/v1/...` wins over `/mlx/...` and `/mlx-lm/...` is never read as `/mlx`.
const BASES: readonly { base: string; dialect: DialectDefinition }[] = Object.values(DIALECT_DEFINITIONS)
  .flatMap((dialect) => dialect.basePaths.map((base) => ({ base, dialect })))
  .sort((a, b) => b.base.length - a.base.length);

/** Finds the dialect whose base path starts `pathname` (without query string). */
export function matchDialect(pathname: string): DialectMatch | undefined {
  for (const { base, dialect } of BASES) {
    if (pathname.startsWith(base) && (pathname.length === base.length || pathname[base.length] === '/')) {
      return { dialect, path: pathname.slice(base.length) || '/' };
    }
  }
  return undefined;
}
