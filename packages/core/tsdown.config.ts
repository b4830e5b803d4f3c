import { defineConfig } from 'tsdown';
import { base } from '../../tsdown.base.ts';

export default defineConfig({
  ...base,
  // Core runs anywhere fetch and AbortSignal exist.
  platform: 'neutral',
  // Minified so core stays small for bundlers and edge runtimes; the source map keeps stack traces readable.
  minify: true,
});
