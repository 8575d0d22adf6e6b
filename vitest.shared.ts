// One vitest configuration for every package: source-first resolution of
// workspace packages (the "@leasehold/source" export condition) and a JSON
// report per package that scripts/test.mjs sums into CI's closing line.
import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

export function packageTestConfig(name: string) {
  return defineConfig({
    ssr: { resolve: { conditions: ['@leasehold/source', ...defaultServerConditions] } },
    resolve: { conditions: ['@leasehold/source', ...defaultServerConditions] },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      reporters: ['default', 'json'],
      outputFile: { json: `${root}.reports/vitest/${name}.json` },
    },
  });
}
