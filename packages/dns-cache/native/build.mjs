#!/usr/bin/env node
// Builds native/build/lh_dns.node (batched UDP: recvmmsg/sendmmsg, the hot-answer table and its rate limiting) from lh_dns.c, lh_hot.h, lh_rrl.h, lh_dns6.h (IPv6 listeners in namespaces) and the shared scripts/native/lh_netns.h.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon } from '../../../scripts/lib/build-addon.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, 'build', 'lh_dns.node');
// The headers are included by lh_dns.c: a newer one makes the addon stale too.
const headerNewer =
  existsSync(output) && ['lh_hot.h', 'lh_rrl.h', 'lh_dns6.h', '../../../scripts/native/lh_netns.h'].some((h) => statSync(join(here, h)).mtimeMs > statSync(output).mtimeMs);
buildAddon({
  source: join(here, 'lh_dns.c'),
  output,
  headers: ['node_api.h', 'uv.h'],
  fallback: "the DNS cache will use Node's dgram (slower, same behaviour)",
  force: process.argv.includes('--force') || headerNewer,
});
