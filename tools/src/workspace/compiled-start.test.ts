/**
 * `leasehold` runs compiled JavaScript (issue 16, point 2): bin/leasehold.mjs
 * loads tools/dist/main.js, which reaches every workspace package through its
 * dist, and no TypeScript compiler runs at start. Shown by recording every
 * module the process resolves (a resolve hook preloaded with --import) while
 * it prints its help and while `leasehold start` comes up and stops; the same
 * recorder with LEASEHOLD_FROM_SOURCE=1 sees the .ts sources, so it would see
 * them in the compiled case too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'tools/bin/leasehold.mjs');
const dir = mkdtempSync(join(tmpdir(), 'lh-compiled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Appends every resolved URL to $LH_RESOLVED, one per line, as the process exits.
const recorder = join(dir, 'record.mjs');
writeFileSync(
  recorder,
  `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
process.on('exit', () => writeFileSync(process.env.LH_RESOLVED, [...seen].join('\\n')));
`,
);

const env = (out: string, extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, NATS_URL: '', LEASEHOLD_DATA_DIR: '', LEASEHOLD_CONFIG: '', LEASEHOLD_FROM_SOURCE: '', LH_RESOLVED: out, ...extra });

/** The workspace's own modules among the resolved URLs, as paths relative to the repository root. */
function workspaceModules(file: string): string[] {
  const prefix = `file://${root}`;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith(prefix) && !url.includes('/node_modules/'))
    .map((url) => url.slice(prefix.length));
}

// The bin itself, compiled JavaScript, and the packages' N-API addons (C, built by scripts/setup.mjs).
const notCompiled = (path: string) =>
  path !== 'tools/bin/leasehold.mjs' && !/^(tools|packages\/[\w-]+)\/dist\/.+\.js$/.test(path) && !/^packages\/[\w-]+\/native\/build\/\w+\.node$/.test(path);

test('`leasehold --help` loads only compiled JavaScript: tools/dist and the packages\' dist, no .ts file and no tsx', () => {
  const out = join(dir, 'help.txt');
  const run = spawnSync(process.execPath, ['--import', recorder, bin, '--help'], { env: env(out), encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/Usage: leasehold/);
  const modules = workspaceModules(out);
  expect(modules).toContain('tools/dist/main.js');
  expect(modules).toContain('packages/server/dist/index.js');
  expect(modules.filter(notCompiled)).toEqual([]);
  expect(readFileSync(out, 'utf8')).not.toMatch(/\/node_modules\/tsx\//);
});

test('with LEASEHOLD_FROM_SOURCE=1 the same recorder sees the TypeScript sources and tsx (so it would see them above)', () => {
  const out = join(dir, 'source.txt');
  const run = spawnSync(process.execPath, ['--import', recorder, bin, '--help'], { env: env(out, { LEASEHOLD_FROM_SOURCE: '1' }), encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  expect(workspaceModules(out)).toEqual(expect.arrayContaining(['tools/src/main.ts', 'packages/server/src/index.ts']));
  expect(readFileSync(out, 'utf8')).toMatch(/\/node_modules\/tsx\//);
});

test('`leasehold start` runs the whole system from compiled JavaScript: ready, stopped by SIGTERM with exit 0, and not one .ts module loaded', async () => {
  const out = join(dir, 'start.txt');
  const dataDir = join(dir, 'data');
  const child = spawn(process.execPath, ['--import', recorder, bin, 'start', '--data-dir', dataDir, '--metrics-listen', '127.0.0.1:0'], { env: env(out), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 20_000;
    while (!/Press Ctrl-C to stop/.test(output)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`not running:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
  const modules = workspaceModules(out);
  expect(modules).toEqual(expect.arrayContaining(['packages/server/dist/runtime/system.js', 'packages/agent/dist/index.js', 'packages/api/dist/index.js']));
  expect(modules.filter(notCompiled)).toEqual([]);
});

test('a checkout that was never built says how to build instead of failing on a missing module', () => {
  const unbuilt = join(dir, 'unbuilt');
  mkdirSync(join(unbuilt, 'bin'), { recursive: true });
  copyFileSync(bin, join(unbuilt, 'bin', 'leasehold.mjs'));
  const run = spawnSync(process.execPath, [join(unbuilt, 'bin', 'leasehold.mjs'), '--help'], { env: env(join(dir, 'unbuilt.txt')), encoding: 'utf8' });
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/leasehold is not built .*npm run build/);
});
