// One vitest configuration for every package: source-first resolution of
// workspace packages (the "@leasehold/source" export condition) and a JSON
// report per package that scripts/test.mjs sums into CI's closing line.
import { defaultServerConditions } from 'vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `testTimeout`: a package whose tests run whole processes (the CLI, a daemon) needs more than the default on a loaded machine. */
export function packageTestConfig(name: string, options: { testTimeout?: number } = {}) {
  return defineConfig({
    ssr: { resolve: { conditions: ['@leasehold/source', ...defaultServerConditions] } },
    resolve: { conditions: ['@leasehold/source', ...defaultServerConditions] },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
      reporters: ['default', 'json'],
      // In the package's own folder, where nx's cache (outputs: {projectRoot}/.reports) restores it.
      outputFile: { json: './.reports/vitest.json' },
    },
  });
}
