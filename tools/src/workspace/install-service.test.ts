/**
 * Installed like a service (issue 21 point 2): scripts/install-service.mjs
 * puts a `leasehold` command and the systemd units of deploy/systemd/ in a
 * temporary prefix (never /usr/local here), the command answers --version,
 * every unit passes `systemd-analyze verify` with nothing to say, holds the
 * stop, restart and hardening settings a service needs, and --uninstall takes
 * it all away again.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const script = join(root, 'scripts/install-service.mjs');
const dir = mkdtempSync(join(tmpdir(), 'lh-install-'));
const units = join(dir, 'units');
const command = join(dir, 'bin', 'leasehold');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const UNITS = ['leasehold-api.service', 'leasehold-dhcp-agent.service', 'leasehold-dns.service', 'leasehold-scheduler.service', 'leasehold.service'];
const NET_CAPS = 'CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_NET_ADMIN';
const CAPS: Record<string, string> = {
  'leasehold.service': NET_CAPS,
  'leasehold-dhcp-agent.service': NET_CAPS,
  'leasehold-dns.service': 'CAP_NET_BIND_SERVICE',
  'leasehold-api.service': '',
  'leasehold-scheduler.service': '',
};

/** The values of a key in a unit file, in order. */
const values = (text: string, key: string) => text.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

beforeAll(() => {
  execFileSync(process.execPath, [script, '--prefix', dir, '--units', units], { stdio: 'pipe' });
});

describe('npm run install-service into a temporary prefix', () => {
  test('puts an executable leasehold in PREFIX/bin that answers --version with the package version and commit', () => {
    expect(statSync(command).mode & 0o111).not.toBe(0);
    // The compiled CLI, as an installed command runs it (tools/vitest.config.ts builds it before the tests).
    const out = execFileSync(command, ['--version'], { env: { ...process.env, LEASEHOLD_FROM_SOURCE: '' }, cwd: dir }).toString();
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(out.trim()).toMatch(new RegExp(`^leasehold ${version.replaceAll('.', '\\.')}( \\(git [0-9a-f]{12}\\))?$`));
  });

  test('installs the five units, each naming the installed command', () => {
    expect(readdirSync(units).sort()).toEqual(UNITS);
    for (const name of UNITS) expect(values(readFileSync(join(units, name), 'utf8'), 'ExecStart')[0]).toMatch(new RegExp(`^${command} `));
  });

  test.each(UNITS)('%s passes systemd-analyze verify without a word', (name) => {
    const run = spawnSync('systemd-analyze', ['verify', join(units, name)], { encoding: 'utf8', timeout: 60_000 });
    // verify exits 0 on an unknown key or a bad value too (it says "ignoring"): nothing on stderr is the pass.
    expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  });

  test.each(UNITS)('%s stops leasehold alone first, restarts on failure and is hardened, with only the capabilities it needs', (name) => {
    const text = readFileSync(join(units, name), 'utf8');
    expect(values(text, 'KillMode')).toEqual(['mixed']);
    expect(values(text, 'Restart')).toEqual(['on-failure']);
    expect(values(text, 'ProtectSystem')).toEqual(['strict']);
    expect(values(text, 'NoNewPrivileges')).toEqual(['yes']);
    expect(values(text, 'CapabilityBoundingSet')).toEqual([CAPS[name]]);
    expect(values(text, 'AmbientCapabilities')).toEqual([CAPS[name]]);
  });

  test('a bad unit does not pass: the check can fail', () => {
    const bad = join(dir, 'bad.service');
    const text = readFileSync(join(units, 'leasehold-api.service'), 'utf8').replace('KillMode=mixed', 'KillMode=gently');
    execFileSync('sh', ['-c', `cat > ${JSON.stringify(bad)}`], { input: text });
    const run = spawnSync('systemd-analyze', ['verify', bad], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toMatch(/kill mode/i);
  });

  test('--uninstall removes the command and the units', () => {
    execFileSync(process.execPath, [script, '--prefix', dir, '--units', units, '--uninstall'], { stdio: 'pipe' });
    expect(existsSync(command)).toBe(false);
    expect(readdirSync(units)).toEqual([]);
  });
});
