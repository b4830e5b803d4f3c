import { defineConfig } from 'tsdown';
import { base } from '../../tsdown.base.ts';

export default defineConfig({
  ...base,
  // The simulator and mock client (no vitest), the vitest conformance suite, and the CLI.
  entry: { index: 'src/index.ts', conformance: 'src/conformance/index.ts', cli: 'src/cli.ts' },
});
