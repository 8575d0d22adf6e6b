#!/usr/bin/env node
// Builds native/build/lh_net.node (interface-bound UDP sockets, batched receive) from lh_net.c.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon } from '../../../scripts/lib/build-addon.mjs';

const here = dirname(fileURLToPath(import.meta.url));
buildAddon({
  source: join(here, 'lh_net.c'),
  output: join(here, 'build', 'lh_net.node'),
  headers: ['node_api.h', 'uv.h'],
  fallback: 'the agent can then serve one interface (or relays) from a plain socket',
  force: process.argv.includes('--force'),
});
