import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../vitest.shared.js';

// The tests run the `leasehold` binary, which runs the compiled JavaScript
// (bin/leasehold.mjs): bring tools/dist and every package's dist up to date
// first. tsc's build mode compiles only what changed (about 0.5 s when
// nothing did), so a single test file run after an edit tests the edit. A
// type error is the typecheck step's to report: tsc still emits, and the tests
// run on what it emitted, as they would from the sources.
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const build = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.json'], { cwd: fileURLToPath(new URL('.', import.meta.url)), stdio: 'inherit' });
if (build.status !== 0) console.warn(`tsc -b exited ${build.status ?? build.signal}: the tests run on what it emitted`);

// Most tests here start `leasehold` (a node process loading the CLI) several times; each start
// takes seconds when CI's two cores are busy with the other lane (a run at load 20 saw 30 s spent).
// The test files share one module graph (vitest.shared.ts): what they run in-process leaves no module-level state,
// process handler or fake timers behind (the commands that set them run in the spawned CLI).
export default packageTestConfig('tools', { testTimeout: 120_000, isolate: false });
