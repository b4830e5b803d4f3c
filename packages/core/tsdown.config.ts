import { defineConfig } from 'tsdown';
import { base } from '../../tsdown.base.ts';

export default defineConfig({
  ...base,
  // classify is its own entry: apps that never classify keep the main bundle small.
  entry: { index: 'src/index.ts', classify: 'src/classify.ts' },
  external: ['@router/core'],
  // Core runs anywhere fetch and AbortSignal exist.
  platform: 'neutral',
  // Minified so core stays small for bundlers and edge runtimes; the source map keeps stack traces readable.
  minify: true,
});
