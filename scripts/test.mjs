#!/usr/bin/env node
// `npm test`: typecheck and test every package through nx, then print the
// closing line CI reads ("N passed, N failed") summed from vitest's JSON
// reports. Nx runs without its daemon and never reaches a cloud service.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nxEnv, testLaneArgs, testStepArgs } from './lib/test-step.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Each package's vitest writes <package>/.reports/vitest.json; a run deletes them first, so a
// package that ran no test leaves none and fails the run.
const packageDirs = [...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d)), join(root, 'tools'), join(root, 'harness')];
const reportOf = (dir) => join(dir, '.reports', 'vitest.json');
const env = nxEnv();
const extra = process.argv.slice(2);

function nx(args) {
  return spawnSync('nx', args, { cwd: root, env, stdio: 'inherit' }).status ?? 1;
}

/** Runs nx once per lane, at the same time; the worst exit status. */
async function lanes(argsOfLanes) {
  const statuses = await Promise.all(argsOfLanes.map((args) => new Promise((resolve) => {
    spawn('nx', args, { cwd: root, env, stdio: 'inherit' }).on('close', (code) => resolve(code ?? 1));
  })));
  return Math.max(...statuses);
}

for (const dir of packageDirs) rmSync(reportOf(dir), { force: true });
const typecheck = nx(['run-many', '-t', 'typecheck', '--outputStyle=stream', ...extra]);
// The whole suite in two lanes side by side (lib/test-step.mjs says why); a run narrowed by
// extra arguments (`npm test -- --projects=...`) in one.
const tests = extra.length > 0 ? nx(testStepArgs(extra)) : await lanes(testLaneArgs());

let passed = 0;
let failed = 0;
// CI shows only the tail of a long log: every failure is named again here, at the end, with the
// head of its message, so a red run says which test broke and why.
const failures = [];
const files = packageDirs.map(reportOf).filter((f) => existsSync(f));
if (files.length < packageDirs.length) console.log(`only ${files.length} of ${packageDirs.length} packages left a test report`);
for (const file of files) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  const failedTests = report.numFailedTests ?? 0;
  // A file that fails to load fails its suite without failing a test: count it.
  failed += failedTests > 0 ? failedTests : (report.numFailedTestSuites ?? 0);
  failures.push(...failuresOf(report));
}
for (const f of failures) console.log(`FAILED ${f.file} > ${f.name}\n${f.message}\n`);
if (typecheck !== 0) console.log('typecheck failed');
console.log(`${passed} passed, ${failed} failed`);
process.exit(typecheck !== 0 || tests !== 0 || failed > 0 || passed === 0 || files.length < packageDirs.length ? 1 : 0);

function failuresOf(report) {
  const out = [];
  for (const suite of report.testResults ?? []) {
    const file = suite.name.startsWith(root) ? suite.name.slice(root.length + 1) : suite.name;
    const failedTests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of failedTests) out.push({ file, name: t.fullName ?? t.title, message: head(t.failureMessages?.join('\n') ?? '') });
    if (failedTests.length === 0 && suite.status === 'failed') out.push({ file, name: '(the file itself)', message: head(suite.message ?? '') });
  }
  return out;
}

function head(text) {
  return text.split('\n').filter((l) => !l.includes('node_modules')).slice(0, 25).map((l) => `    ${l.slice(0, 300)}`).join('\n');
}
