import { defineConfig } from 'tsdown';
import { base } from '../../tsdown.base.ts';

export default defineConfig({
  ...base,
  // classify, the limiter and the breaker, and model aliases are entries of their own: apps that never use them keep the main bundle small.
  // `adapter` (createBackend) shares its modules with the main entry through a common chunk.
  entry: { index: 'src/index.ts', adapter: 'src/adapter.ts', classify: 'src/classify.ts', reliability: 'src/reliability.ts', routing: 'src/routing.ts' },
  external: ['@router/core'],
  // Core runs anywhere fetch and AbortSignal exist.
  platform: 'neutral',
  // Minified so core stays small for bundlers and edge runtimes; the source map keeps stack traces readable.
  minify: true,
});
