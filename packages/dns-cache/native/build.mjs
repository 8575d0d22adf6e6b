#!/usr/bin/env node
// Builds native/build/lh_dns.node (batched UDP: recvmmsg/sendmmsg) from lh_dns.c.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon } from '../../../scripts/lib/build-addon.mjs';

const here = dirname(fileURLToPath(import.meta.url));
buildAddon({
  source: join(here, 'lh_dns.c'),
  output: join(here, 'build', 'lh_dns.node'),
  headers: ['node_api.h', 'uv.h'],
  fallback: "the DNS cache will use Node's dgram (slower, same behaviour)",
  force: process.argv.includes('--force'),
});
