/**
 * Where the TFTP server listens, with Debian's real tftp-hpa client: two
 * namespaces made here (as the qdhcp-<network> of two VXLAN networks) hold
 * the same DHCP port address; each network is served from its own root
 * inside its own namespace only; a network TFTP is not enabled on gets no
 * listener; a namespace made anew is listened in again once the reconcile
 * says it was renewed. Root (ip netns) and the agent's addon.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultTftpOptions } from './config.js';
import { agentTftp } from './listeners.js';

const run = promisify(execFile);
const SAME = '198.18.69.2';

describe('the TFTP listeners in networks\' own namespaces', () => {
  const ns = { a: `lhq-tftp-a-${process.pid}`, b: `lhq-tftp-b-${process.pid}`, c: `lhq-tftp-c-${process.pid}` };
  const dir = mkdtempSync(join(tmpdir(), 'lh-tftp-ns-'));
  const roots = { a: join(dir, 'a'), b: join(dir, 'b') };
  const makeNamespace = async (name: string) => {
    await run('ip', ['netns', 'add', name]);
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', name, 'addr', 'add', `${SAME}/32`, 'dev', 'lo']);
  };
  /** tftp-hpa's `get` inside a namespace: the file's text, or the client's complaint. */
  const fetch = async (netns: string, file: string, seconds = 10) => {
    const out = join(dir, `out-${netns}-${Math.random().toString(36).slice(2)}`);
    const r = await run('ip', ['netns', 'exec', netns, 'timeout', String(seconds), 'tftp', SAME, '-m', 'binary', '-c', 'get', file, out]).then(
      (x) => x.stdout + x.stderr,
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
    try {
      return readFileSync(out, 'utf8') || r.trim();
    } catch {
      return r.trim();
    } finally {
      rmSync(out, { force: true });
    }
  };
  const lines: string[] = [];
  const tftp = agentTftp({ ...defaultTftpOptions, enabled: ['net-a', 'b'], root: roots.a, roots: { b: roots.b }, retries: 2, timeoutMs: 200 }, (l) => lines.push(l), (id) => `net-${id}`);
  const targets = (['a', 'b', 'c'] as const).map((id) => ({ networkId: id, address: parseIpv4(SAME), netns: ns[id], ifname: 'lo' }));

  beforeAll(async () => {
    for (const root of Object.values(roots)) {
      await run('mkdir', ['-p', root]);
    }
    writeFileSync(join(roots.a, 'boot.txt'), 'network a');
    writeFileSync(join(roots.b, 'boot.txt'), 'network b');
    for (const name of Object.values(ns)) await makeNamespace(name);
  });
  afterAll(async () => {
    await tftp.stop();
    for (const name of Object.values(ns)) await run('ip', ['netns', 'del', name]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  test('each network is served from its own root in its own namespace, and only networks TFTP is enabled on', async () => {
    await tftp.listenOn(targets);
    expect(tftp.addresses().sort()).toEqual([`${SAME}@${ns.a}:69`, `${SAME}@${ns.b}:69`]);
    expect(await fetch(ns.a, 'boot.txt')).toBe('network a');
    expect(await fetch(ns.b, 'boot.txt')).toBe('network b');
    expect(await fetch(ns.c, 'boot.txt', 3)).not.toBe('network a');
    expect(await fetch(ns.a, '../b/boot.txt')).toMatch(/Access violation|access violation/i);
    expect(tftp.stats.transfers.completed).toBe(2);
    expect(tftp.stats.refused.traversal).toBe(1);
  });

  test('a namespace made anew is listened in again once reported renewed', async () => {
    await run('ip', ['netns', 'del', ns.a]);
    await makeNamespace(ns.a);
    await tftp.listenOn(targets);
    expect(await fetch(ns.a, 'boot.txt', 3)).not.toBe('network a');
    await tftp.listenOn(targets, new Set(['a']));
    expect(await fetch(ns.a, 'boot.txt')).toBe('network a');
    await tftp.listenOn(targets.filter((t) => t.networkId !== 'a'));
    expect(tftp.addresses()).toEqual([`${SAME}@${ns.b}:69`]);
  });
});
