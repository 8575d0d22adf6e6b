// The test step of `npm test`, shared by scripts/test.mjs and the test that
// proves it runs every test on every invocation (tools/src/workspace).
//
// Test results are never replayed: the test target is not cacheable
// (nx.json) and the step also passes --skip-nx-cache, because Nx keeps its
// cache under the home directory (~/.nx/<workspace hash>), shared by every
// clone of this workspace on the machine. Build and typecheck stay cached.

/** nx's arguments for the test step; `extra` are passed through (e.g. --projects=...). */
export function testStepArgs(extra = []) {
  // Two packages at a time. Each package's vitest runs its files one after another (one
  // worker on two cores), and most of the time goes to waiting on real servers, clients
  // and namespaces, so a second package fills the idle core. Nx starts the packages with
  // the most dependencies first (harness, then tools: the two longest), so the short
  // packages fill in beside them. No package shares a port, a data directory or a
  // namespace name with another: each test spawns its own on free ports and temp dirs.
  return ['run-many', '-t', 'test', '--parallel=2', '--outputStyle=stream', '--skip-nx-cache', ...extra];
}

/** nx's environment for every step: no daemon, no cloud, plain output. */
export function nxEnv(env = process.env) {
  return { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
}

/** What nx prints when it replays a task from its cache instead of running it. */
export const CACHE_REPLAY_MARKERS = ['[local cache]', '[remote cache]', 'existing outputs match the cache'];
