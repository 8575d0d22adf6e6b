// The test step of `npm test`, shared by scripts/test.mjs and the test that
// proves it runs every test on every invocation (tools/src/workspace).
//
// Test results are never replayed: the test target is not cacheable
// (nx.json) and the step also passes --skip-nx-cache, because Nx keeps its
// cache under the home directory (~/.nx/<workspace hash>), shared by every
// clone of this workspace on the machine. Build and typecheck stay cached.

/** nx's arguments for the test step; `extra` are passed through (e.g. --projects=...). */
export function testStepArgs(extra = []) {
  return ['run-many', '-t', 'test', '--parallel=1', '--outputStyle=stream', '--skip-nx-cache', ...extra];
}

// The whole suite runs in two lanes side by side, each one package at a time. Each
// package's vitest runs its files one after another (one worker on two cores) and most
// of the time goes to waiting on real servers, clients and namespaces, so a second lane
// fills the idle core. Nx alone would start the packages most others depend on first
// and the end-to-end harness, the longest, last; so the lanes are chosen here, about
// equal in length (harness and journal against the rest, from CI's reports). No package
// shares a port, a data directory or a namespace name with another: every test spawns
// its own, on free ports and in temporary directories.
const FIRST_LANE = ['@leasehold/harness', '@leasehold/journal'];

/** nx's arguments for each lane of the whole suite. */
export function testLaneArgs() {
  return [testStepArgs([`--projects=${FIRST_LANE.join(',')}`]), testStepArgs([`--exclude=${FIRST_LANE.join(',')}`])];
}

/** nx's environment for every step: no daemon, no cloud, plain output. */
export function nxEnv(env = process.env) {
  return { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
}

/** What nx prints when it replays a task from its cache instead of running it. */
export const CACHE_REPLAY_MARKERS = ['[local cache]', '[remote cache]', 'existing outputs match the cache'];
