// One vitest configuration for every package: source-first resolution of
// workspace packages (the "@leasehold/source" export condition) and a JSON
// report per package that scripts/test.mjs sums into CI's closing line.
import { defaultServerConditions } from 'vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `testTimeout`: a package whose tests run whole processes (the CLI, a daemon) needs more than the default on a loaded machine.
 * `isolate: false`: the package's test files share one module graph instead of importing the workspace again for each
 * file, which is most of the time of a package of many short files (server: 72 s -> 22 s here). Only for a package
 * whose tests leave no module-level state, process handlers or fake timers behind (its vitest.config.ts says so).
 */
export function packageTestConfig(name: string, options: { testTimeout?: number; isolate?: boolean } = {}) {
  return defineConfig({
    ssr: { resolve: { conditions: ['@leasehold/source', ...defaultServerConditions] } },
    resolve: { conditions: ['@leasehold/source', ...defaultServerConditions] },
    test: {
      name,
      isolate: options.isolate ?? true,
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
