import { defineConfig } from 'vitest/config';

// One `vitest run` from the root covers every package and app; each one's own
// vitest.config.ts says how its tests run.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tests/*'],
  },
});
