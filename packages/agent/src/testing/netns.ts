/**
 * Test hosts in network namespaces: `createTestLink` makes a namespace and a
 * veth pair whose host end stays in this namespace (where the agent under
 * test runs) and whose client end goes into the new namespace (where a real
 * DHCP client runs). Names are random so parallel test files never collide;
 * addresses come from 198.18.0.0/15 only. Everything is removed by `remove()`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestLink extends AsyncDisposable {
  /** The namespace the client end lives in. */
  readonly ns: string;
  /** Interface name of the host end (this namespace). */
  readonly hostIf: string;
  /** Interface name of the client end (inside `ns`). */
  readonly clientIf: string;
  /** Runs a command inside the namespace and resolves with its output. */
  exec(command: string, args: readonly string[], options?: { timeoutMs?: number }): Promise<{ stdout: string; stderr: string }>;
  /** Starts a long-running command inside the namespace (killed by `remove`). */
  spawn(command: string, args: readonly string[]): ChildProcess;
  remove(): Promise<void>;
}

export async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args)).stdout;
}

/** A short random tag for names (interface names are at most 15 bytes). */
export function testTag(): string {
  return randomBytes(3).toString('hex');
}

export async function createTestLink(options: { hostAddress?: string; tag?: string } = {}): Promise<TestLink> {
  const tag = options.tag ?? testTag();
  const ns = `lhns-${tag}`;
  const hostIf = `lh${tag}h`;
  const clientIf = `lh${tag}c`;
  const children = new Set<ChildProcess>();
  await ip('netns', 'add', ns);
  // `ip netns exec` mounts this over /etc/resolv.conf, so no client script can touch the host's.
  mkdirSync(`/etc/netns/${ns}`, { recursive: true });
  writeFileSync(`/etc/netns/${ns}/resolv.conf`, '');
  try {
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', clientIf);
    await ip('link', 'set', clientIf, 'netns', ns);
    await ip('link', 'set', hostIf, 'up');
    if (options.hostAddress) await ip('addr', 'add', options.hostAddress, 'dev', hostIf);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    await ip('-n', ns, 'link', 'set', clientIf, 'up');
  } catch (error) {
    await ip('netns', 'del', ns).catch(() => {});
    await ip('link', 'del', hostIf).catch(() => {});
    throw error;
  }
  const remove = async () => {
    for (const child of children) child.kill('SIGKILL');
    // Whatever a client left running in the namespace dies with it.
    const pids = await run('ip', ['netns', 'pids', ns]).then((r) => r.stdout.split(/\s+/).filter(Boolean)).catch(() => []);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await ip('link', 'del', hostIf).catch(() => {});
    await ip('netns', 'del', ns).catch(() => {});
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    // dhcpcd keeps lease files per interface name on the host's disk.
    for (const dir of ['/var/lib/dhcpcd', '/run/dhcpcd']) {
      for (const suffix of ['.lease', '-4.lease', '.lease6']) rmSync(`${dir}/${clientIf}${suffix}`, { force: true });
    }
  };
  return {
    ns,
    hostIf,
    clientIf,
    exec: async (command, args, opts = {}) => {
      const { stdout, stderr } = await run('ip', ['netns', 'exec', ns, command, ...args], { timeout: opts.timeoutMs ?? 20_000 });
      return { stdout, stderr };
    },
    spawn: (command, args) => {
      const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    remove,
    [Symbol.asyncDispose]: remove,
  };
}
