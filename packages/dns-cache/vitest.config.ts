import { execFileSync } from 'node:child_process';
import { packageTestConfig } from '../../vitest.shared.js';

// The batched UDP addon is built when missing or stale (a C compiler is enough), so the
// end-to-end tests exercise it; without a compiler they exercise the dgram fallback.
execFileSync(process.execPath, [new URL('./native/build.mjs', import.meta.url).pathname], { stdio: 'inherit' });

export default packageTestConfig('dns-cache');
