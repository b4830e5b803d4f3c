import type { UserConfig } from 'tsdown';

/** Shared build settings: ESM only, declarations, source maps. Packages add their entries. */
export const base: UserConfig = {
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'node',
  dts: true,
  sourcemap: true,
  // `.js`/`.d.ts` (the packages are `type: module`), as every exports map says.
  fixedExtension: false,
};
