#!/usr/bin/env node
// Builds native/build/lh_lock.node (flock(2) for the data directory lock) from lh_lock.c.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon } from '../../../scripts/lib/build-addon.mjs';

const here = dirname(fileURLToPath(import.meta.url));
buildAddon({
  source: join(here, 'lh_lock.c'),
  output: join(here, 'build', 'lh_lock.node'),
  headers: ['node_api.h'],
  fallback: 'the data directory lock will run flock(1) from util-linux instead (a process per start, same lock)',
  force: process.argv.includes('--force'),
});
