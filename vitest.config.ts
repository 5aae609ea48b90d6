import { defineConfig } from 'vitest/config';

// Two projects: unit tests live beside each package (<pkg>/test/), end-to-end tests in test/.
// Both start real processes and sockets, so files run in forks and timeouts are generous.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'],
          exclude: ['test/**', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/**/*.test.ts'], exclude: ['**/node_modules/**'] },
      },
    ],
  },
});
