import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceResolution,
  test: {
    name: 'generator',
    include: ['test/**/*.test.ts'],
    // It builds and tests a whole package on a 2-core machine: a group of its own, so no other test
    // file runs beside it, and it neither slows their timing-sensitive tests nor is slowed by them.
    sequence: { groupOrder: 1 },
  },
});
