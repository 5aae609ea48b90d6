import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// graphql ships CommonJS and ESM side by side; Node loads the CommonJS one for Apollo, so our
// own code must get the same copy or schemas and errors fail graphql's instanceof checks.
const graphqlMain = createRequire(import.meta.url).resolve('graphql');

// Two projects: unit tests live beside each package (<pkg>/test/), end-to-end tests in test/.
// Both start real processes and sockets, so files run in forks and timeouts are generous.
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlMain }] },
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
