import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../vitest.shared.js';

// The fault, history and fail-over tests spawn the `leasehold` binary, which
// runs the compiled JavaScript (tools/bin/leasehold.mjs): bring tools/dist and
// every package's dist up to date first, as tools' own vitest config does
// (tsc's build mode: about 0.5 s when nothing changed). A type error is the
// typecheck step's to report; the tests run on what tsc emitted.
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const build = spawnSync(process.execPath, [tsc, '-b', '../tools/tsconfig.json'], { cwd: fileURLToPath(new URL('.', import.meta.url)), stdio: 'inherit' });
if (build.status !== 0) console.warn(`tsc -b exited ${build.status ?? build.signal}: the tests run on what it emitted`);

export default packageTestConfig('harness');
