/**
 * `npm test` runs every test on every invocation, whatever caches exist on
 * the machine: its test step (scripts/lib/test-step.mjs), run twice on the
 * same inputs, executes the tests the second time too. Shown the way a user
 * would notice: each run writes a fresh vitest report, and nx never says it
 * replayed the task from its cache.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { CACHE_REPLAY_MARKERS, nxEnv, testLaneArgs, testStepArgs } from '../../../scripts/lib/test-step.mjs';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lh-npm-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The test step on one small test file of one package; its report goes to `report`, not the package's own. */
function runTestStep(report: string) {
  const nx = join(root, 'node_modules', '.bin', 'nx');
  const args = [...testStepArgs(['--projects=@leasehold/protocol']), '--', 'src/hash.test.ts', `--outputFile.json=${report}`];
  const run = spawnSync(nx, args, { cwd: root, env: nxEnv(), encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test('the test step runs the tests again on a second invocation with the same inputs, never replaying them from the nx cache', () => {
  // The same command both times: nx would replay the second from its cache if it could.
  const report = join(dir, 'report.json');
  for (const attempt of [1, 2]) {
    rmSync(report, { force: true });
    const run = runTestStep(report);
    expect(run.status, run.output).toBe(0);
    for (const marker of CACHE_REPLAY_MARKERS) expect(run.output, `run ${attempt}`).not.toContain(marker);
    expect(existsSync(report), `run ${attempt} wrote no vitest report: the tests did not run`).toBe(true);
    const results = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; startTime: number };
    expect(results.numPassedTests).toBeGreaterThan(0);
  }
}, 240_000);

test('the test target is not cacheable in the workspace configuration', () => {
  const nxJson = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8')) as { targetDefaults: { test: { cache?: boolean } } };
  expect(nxJson.targetDefaults.test.cache).toBe(false);
  expect(testStepArgs()).toContain('--skip-nx-cache');
});

test('the two lanes of the whole suite run every package that has tests, each once, never from the cache', () => {
  const lanes = testLaneArgs();
  for (const lane of lanes) expect(lane).toContain('--skip-nx-cache');
  const listed = (flag: string) => lanes.flatMap((a) => a.filter((x) => x.startsWith(flag)).flatMap((x) => x.slice(flag.length).split(',')));
  const first = listed('--projects=');
  // The second lane is everything but the first, so nothing is left out; the first names real packages (a typo would run nothing there).
  expect(listed('--exclude=')).toEqual(first);
  const nx = join(root, 'node_modules', '.bin', 'nx');
  const run = spawnSync(nx, ['show', 'projects', '--with-target', 'test', '--json'], { cwd: root, env: nxEnv(), encoding: 'utf8', timeout: 120_000 });
  const withTests = JSON.parse(run.stdout) as string[];
  for (const name of first) expect(withTests).toContain(name);
  expect(withTests.length).toBeGreaterThan(first.length);
}, 120_000);
