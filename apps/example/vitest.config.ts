import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceResolution,
  // Each test starts the app as a Node process: seconds on a busy machine. The limit only catches a hang
  // (the same as the child process's own timeout); speed is the bench's business.
  test: { name: 'example', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
