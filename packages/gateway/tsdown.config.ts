import { defineConfig } from 'tsdown';
import { base } from '../../tsdown.base.ts';

export default defineConfig({
  ...base,
  // The library, and the `router-gateway` command.
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
});
