#!/usr/bin/env node
// Builds native/build/lh_dns.node (batched UDP: recvmmsg/sendmmsg, and the hot-answer table) from lh_dns.c and lh_hot.h.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon } from '../../../scripts/lib/build-addon.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, 'build', 'lh_dns.node');
// lh_hot.h is included by lh_dns.c: a newer header makes the addon stale too.
const headerNewer = existsSync(output) && statSync(join(here, 'lh_hot.h')).mtimeMs > statSync(output).mtimeMs;
buildAddon({
  source: join(here, 'lh_dns.c'),
  output,
  headers: ['node_api.h', 'uv.h'],
  fallback: "the DNS cache will use Node's dgram (slower, same behaviour)",
  force: process.argv.includes('--force') || headerNewer,
});
