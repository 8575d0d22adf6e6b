/**
 * The `leasehold` binary of this checkout (tools/bin/leasehold.mjs), which the
 * harness spawns as an operator would: it runs the compiled JavaScript, so the
 * harness's vitest config builds it first.
 */
import { fileURLToPath } from 'node:url';

export const LEASEHOLD_BIN = fileURLToPath(new URL('../../tools/bin/leasehold.mjs', import.meta.url));
