import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceResolution,
  // Outages, restarts and leases take real seconds; on a busy 2-core machine they take more.
  test: { name: 'redis', include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
