#!/usr/bin/env node
// `npm test`: typecheck and test every package through nx, then print the
// closing line CI reads ("N passed, N failed") summed from vitest's JSON
// reports. Nx runs without its daemon and never reaches a cloud service.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reports = join(root, '.reports', 'vitest');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
const extra = process.argv.slice(2);

function nx(args) {
  return spawnSync('nx', args, { cwd: root, env, stdio: 'inherit' }).status ?? 1;
}

rmSync(reports, { recursive: true, force: true });
const typecheck = nx(['run-many', '-t', 'typecheck', '--outputStyle=stream', ...extra]);
// One package at a time: each suite spawns its own nats-server and uses both cores.
const tests = nx(['run-many', '-t', 'test', '--parallel=1', '--outputStyle=stream', ...extra]);

let passed = 0;
let failed = 0;
const files = existsSync(reports) ? readdirSync(reports).filter((f) => f.endsWith('.json')) : [];
for (const file of files) {
  const report = JSON.parse(readFileSync(join(reports, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  const failedTests = report.numFailedTests ?? 0;
  // A file that fails to load fails its suite without failing a test: count it.
  failed += failedTests > 0 ? failedTests : (report.numFailedTestSuites ?? 0);
}
if (typecheck !== 0) console.log('typecheck failed');
console.log(`${passed} passed, ${failed} failed`);
process.exit(typecheck !== 0 || tests !== 0 || failed > 0 || passed === 0 ? 1 : 0);
