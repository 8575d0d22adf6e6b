/**
 * ISC `dhclient -6` in a test namespace, for the agent's DHCPv6 tests
 * (dhcp6.test.ts, dhcp6-vxlan.test.ts): what each hook call was given, read
 * back from files; and the wait for link-local addresses past duplicate
 * address detection, without which a client can neither send nor be answered.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestLink } from '@leasehold/agent/testing';

/** Each hook call's environment, in its own file: written aside and renamed, so a reader never sees half of one. */
const hook = `#!/bin/sh
n=$(ls "$LH_DIR" | grep -c '\\.env$')
env > "$LH_DIR/.tmp.$$"
mv "$LH_DIR/.tmp.$$" "$LH_DIR/$(printf %03d "$n")-$reason.env"
`;

export interface Dhclient6 {
  /** The environment of the first hook call at or after `after` that has `key`, waited for. */
  waitFor(key: string, after?: number, timeoutMs?: number): Promise<Record<string, string>>;
  calls(): Record<string, string>[];
  /** Stops the client and runs `dhclient -6 -r` with its lease file: a RELEASE on the wire. */
  release(): Promise<void>;
  stop(): Promise<void>;
}

/** `dhclient -6` (or `-6 -S`) on the link's client end, with a hook that records what it was given; `conf`: more dhclient.conf lines. */
export function dhclient6(link: TestLink, stateless: boolean, conf = ''): Dhclient6 {
  const dir = mkdtempSync(join(tmpdir(), 'lh-dhclient6-'));
  const envDir = join(dir, 'env');
  mkdirSync(envDir);
  writeFileSync(join(dir, 'hook.sh'), hook);
  chmodSync(join(dir, 'hook.sh'), 0o755);
  writeFileSync(join(dir, 'dhclient6.conf'), `request dhcp6.name-servers, dhcp6.domain-search;\n${conf}`);
  const common = ['-6', ...(stateless ? ['-S'] : []), '-v', '-cf', join(dir, 'dhclient6.conf'), '-sf', join(dir, 'hook.sh'), '-e', `LH_DIR=${envDir}`, '-pf', join(dir, 'pid'), '-lf', join(dir, 'leases')];
  const child: ChildProcess = link.spawn('dhclient', ['-d', ...common, link.clientIf]);
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (log = (log + s).slice(-8000)));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (log = (log + s).slice(-8000)));
  const calls = () =>
    (existsSync(envDir) ? readdirSync(envDir) : [])
      .filter((f) => f.endsWith('.env'))
      .sort()
      .map((f) => Object.fromEntries(readFileSync(join(envDir, f), 'utf8').split('\n').flatMap((line) => (line.indexOf('=') > 0 ? [[line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]] : []))));
  return {
    calls,
    async waitFor(key, after = 0, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = calls().slice(after).find((c) => c[key] !== undefined);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`dhclient -6 gave no ${key} within ${timeoutMs} ms; hook reasons: ${calls().map((c) => c.reason).join(', ') || 'none'}; log:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async release() {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
      await link.exec('dhclient', ['-r', ...common, link.clientIf], { timeoutMs: 30_000 });
    },
    async stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Each interface's ([namespace or undefined for this one, name]) link-local address past duplicate address detection: a tentative one can neither send nor be answered. */
export async function linkLocalReady(...interfaces: (readonly [string | undefined, string])[]): Promise<void> {
  const show = (ns: string | undefined, ifname: string) =>
    new Promise<string>((resolve) => execFile('ip', [...(ns ? ['-n', ns] : []), '-6', 'addr', 'show', 'dev', ifname], (_e, stdout) => resolve(String(stdout))));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const shown = await Promise.all(interfaces.map(([ns, ifname]) => show(ns, ifname)));
    if (shown.every((out) => out.includes('fe80::') && !out.includes('tentative'))) return;
    if (Date.now() > deadline) throw new Error(`link-local addresses not ready:\n${shown.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
