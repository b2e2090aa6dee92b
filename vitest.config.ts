import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // Memory tests force garbage collection (globalThis.gc) before reading RSS.
    execArgv: ['--expose-gc'],
  },
});
