import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    globalSetup: ['./test/globalSetup.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
