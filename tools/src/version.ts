/**
 * `leasehold --version`: the version in the repository's package.json and,
 * when run from a git checkout, the commit (so two installs of 0.1.0 can be
 * told apart). Reads the disk and runs git, only when asked.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** "leasehold 0.1.0 (git 3dbfc18a1b2c)", or without the commit outside a checkout. */
export function leaseholdVersion(): string {
  // tools/src/version.ts and tools/dist/version.js both sit two levels below the root.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // An install without the root package.json: the version stays unknown rather than failing.
  }
  let commit = '';
  try {
    commit = execFileSync('git', ['-C', root, 'rev-parse', '--short=12', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim();
  } catch {
    // No git, or not a checkout.
  }
  return `leasehold ${version}${commit ? ` (git ${commit})` : ''}`;
}
