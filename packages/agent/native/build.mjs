#!/usr/bin/env node
// Builds native/build/lh_net.node (interface-bound UDP sockets, batched receive, raw ICMPv6 for router advertisements) from lh_net.c.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon } from '../../../scripts/lib/build-addon.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, 'build', 'lh_net.node');
// lh_net.c includes the shared namespace helpers and the ICMPv6 socket: a newer header makes the addon stale too.
const headers = [join(here, '../../../scripts/native/lh_netns.h'), join(here, 'lh_icmp6.h')];
const headerNewer = existsSync(output) && headers.some((header) => statSync(header).mtimeMs > statSync(output).mtimeMs);
buildAddon({
  source: join(here, 'lh_net.c'),
  output,
  headers: ['node_api.h', 'uv.h'],
  fallback: 'the agent can then serve one interface (or relays) from a plain socket',
  force: process.argv.includes('--force') || headerNewer,
});
