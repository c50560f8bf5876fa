import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
    // One test file per core. vitest's default keeps a core for its own process (one worker on a
    // 2-core CI machine), which mostly waits on the workers.
    maxWorkers: availableParallelism(),
  },
});
