#!/usr/bin/env node
// The `leasehold` command. Runs the TypeScript sources through tsx with the
// workspace's source-first export condition, so no build step is needed.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsxCli = require.resolve('tsx/cli');
const main = join(here, '..', 'src', 'main.ts');
const result = spawnSync(process.execPath, [tsxCli, '--conditions=@leasehold/source', main, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
if (result.error) throw result.error;
process.exit(result.status ?? (result.signal ? 128 : 1));
