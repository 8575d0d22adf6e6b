import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/leasehold.mjs', import.meta.url));
const run = promisify(execFile);

async function leasehold(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('leasehold dns', () => {
  test('--test reports a good config as dnsmasq does and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-dns-cli-'));
    try {
      writeFileSync(join(dir, 'ok.conf'), '# cache\ncache-size=500\nserver=/corp/198.18.1.53\nstrict-order\n');
      const result = await leasehold(['dns', '--test', '--conf-file', join(dir, 'ok.conf'), '--port', '5353']);
      expect(result).toEqual({ code: 0, out: 'leasehold dns: syntax check OK.\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--test takes local= (dnsmasq's synonym for server=) and follows conf-dir with its suffix rules and conf-file, as dnsmasq does (issue 21)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-dns-cli-'));
    try {
      mkdirSync(join(dir, 'd'));
      writeFileSync(join(dir, 'd', 'lan.conf'), 'local=/lan/\n');
      writeFileSync(join(dir, 'd', 'old.conf.bak'), 'no-such-option\n');
      writeFileSync(join(dir, 'extra.conf'), 'cache-size=100\n');
      writeFileSync(join(dir, 'main.conf'), `conf-dir=${join(dir, 'd')},.bak\nconf-file=${join(dir, 'extra.conf')}\n`);
      expect(await leasehold(['dns', '--test', '--conf-file', join(dir, 'main.conf')])).toEqual({ code: 0, out: 'leasehold dns: syntax check OK.\n' });
      writeFileSync(join(dir, 'main.conf'), `conf-dir=${join(dir, 'd')}\n`);
      expect(await leasehold(['dns', '--test', '--conf-file', join(dir, 'main.conf')])).toEqual({ code: 1, out: `leasehold dns: bad option (no-such-option) at line 1 of ${join(dir, 'd', 'old.conf.bak')}\n` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--test reports the first bad line with its file and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-dns-cli-'));
    try {
      const file = join(dir, 'bad.conf');
      writeFileSync(file, 'port=53\n\nlisten-address=127.0.0.300\nno-such=1\n');
      const result = await leasehold(['dns', '--test', '--conf-file', file]);
      expect(result).toEqual({ code: 1, out: `leasehold dns: bad address (listen-address) at line 3 of ${file}\n` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('port=0 turns DNS off: it says so and exits 0', async () => {
    const result = await leasehold(['dns', '--listen-address', '127.0.0.1', '--port', '0', '--no-resolv']);
    expect(result).toEqual({ code: 0, out: 'leasehold dns: port=0, DNS is off; nothing to run\n' });
  });

  test('it serves host-record names given as flags over UDP and TCP, and stops cleanly on SIGTERM', async () => {
    const probe = createSocket('udp4');
    const port = await new Promise<number>((resolve) => probe.bind(0, '127.0.0.1', () => resolve(probe.address().port)));
    probe.close();
    const child = spawn(process.execPath, [bin, 'dns', '--listen-address', '127.0.0.1', '--port', String(port), '--no-resolv', '--host-record=cli.lan,198.18.7.7'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // A loaded machine (CI runs packages one after another, but other work may share it) can take long to start node.
      await expect.poll(() => out, { timeout: 40_000 }).toMatch(/Press Ctrl-C to stop/);
      expect(out).toContain(`listening on 127.0.0.1#${port}`);
      for (const transport of ['+notcp', '+tcp']) {
        const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), 'cli.lan', '+short', '+tries=1', '+time=2', transport]);
        expect(stdout.trim()).toBe('198.18.7.7');
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toMatch(/queries 2, .* local 2/);
  }, 60_000);
});

describe('leasehold dns signals, as dnsmasq', () => {
  test('SIGHUP re-reads the hosts files, SIGUSR1 prints statistics, and CHAOS hits.bind answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-dns-cli-'));
    const hosts = join(dir, 'hosts');
    writeFileSync(hosts, '198.18.0.1 one\n');
    const probe = createSocket('udp4');
    const port = await new Promise<number>((resolve) => probe.bind(0, '127.0.0.1', () => resolve(probe.address().port)));
    probe.close();
    const child = spawn(process.execPath, [bin, 'dns', '--listen-address', '127.0.0.1', '--port', String(port), '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`, '--txt-record=t.lan,"a,b"'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const digShort = async (...args: string[]) => (await run('dig', ['@127.0.0.1', '-p', String(port), '+short', '+tries=1', '+time=2', ...args])).stdout.trim();
    try {
      // A loaded machine (CI runs packages one after another, but other work may share it) can take long to start node.
      await expect.poll(() => out, { timeout: 40_000 }).toMatch(/Press Ctrl-C to stop/);
      expect(await digShort('one')).toBe('198.18.0.1');
      expect(await digShort('t.lan', 'TXT')).toBe('"a,b"');
      // Without a handler SIGHUP would end the process; the 2 s poll would read the file too, but the reply must not wait for it.
      writeFileSync(hosts, '198.18.0.2 two\n');
      child.kill('SIGHUP');
      await expect.poll(() => out, { timeout: 10_000 }).toMatch(/SIGHUP: re-read hosts files/);
      expect(await digShort('two')).toBe('198.18.0.2');
      expect(await digShort('hits.bind', 'chaos', 'txt')).toBe('"3"');
      child.kill('SIGUSR1');
      await expect.poll(() => out, { timeout: 10_000 }).toMatch(/cache size 150, 0\/0 cache insertions re-used unexpired cache entries\.\nqueries forwarded 0, queries answered locally 4/);
    } finally {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await exited).toBe(0);
  }, 60_000);
});

describe('leasehold dns --help', () => {
  test('prints its usage and every dnsmasq option it takes, and exits 0 (was "bad option (help)")', async () => {
    const result = await leasehold(['dns', '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Usage: leasehold dns \[--conf-file FILE\]/);
    for (const option of ['--server VALUE', '--listen-address VALUE', '--no-resolv', '--log-queries', '--test']) expect(result.out).toContain(option);
  });
});
