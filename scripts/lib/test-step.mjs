// The test step of `npm test`, shared by scripts/test.mjs and the test that
// proves it runs every test on every invocation (tools/src/workspace).
//
// Test results are never replayed: the test target is not cacheable
// (nx.json) and the step also passes --skip-nx-cache, because Nx keeps its
// cache under the home directory (~/.nx/<workspace hash>), shared by every
// clone of this workspace on the machine. Build and typecheck stay cached.

/** nx's arguments for the test step; `extra` are passed through (e.g. --projects=...). */
export function testStepArgs(extra = []) {
  // One package at a time: each suite spawns its own nats-server and uses both cores.
  return ['run-many', '-t', 'test', '--parallel=1', '--outputStyle=stream', '--skip-nx-cache', ...extra];
}

/** nx's environment for every step: no daemon, no cloud, plain output. */
export function nxEnv(env = process.env) {
  return { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
}

/** What nx prints when it replays a task from its cache instead of running it. */
export const CACHE_REPLAY_MARKERS = ['[local cache]', '[remote cache]', 'existing outputs match the cache'];
