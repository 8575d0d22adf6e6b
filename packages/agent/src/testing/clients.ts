/**
 * Real DHCP clients for end-to-end tests: ISC dhclient, busybox udhcpc and
 * dhcpcd, each run inside a test namespace with a private config and a hook
 * script that configures only the namespace's interface and records what the
 * client received (its environment) in a file the test reads.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestLink } from './netns.js';

export type ClientKind = 'dhclient' | 'udhcpc' | 'dhcpcd';

/** What a client was given, in one vocabulary whatever the client. */
export interface ClientLease {
  readonly ip: string;
  readonly mask: string | undefined;
  readonly routers: string[];
  readonly dns: string[];
  readonly domain: string | undefined;
  readonly search: string | undefined;
  readonly mtu: number | undefined;
  /** Classless routes as "dest/len via router" strings. */
  readonly routes: string[];
  readonly leaseSeconds: number | undefined;
  readonly serverId: string | undefined;
}

export interface RunningClient {
  readonly kind: ClientKind;
  readonly dir: string;
  /** Every hook call so far, oldest first: [reason, environment]. */
  events(): [string, Record<string, string>][];
  /** Resolves with the lease of the first hook call with one of these reasons. */
  waitFor(reasons: readonly string[], timeoutMs?: number, after?: number): Promise<ClientLease>;
  /**
   * Makes the client renew now where it can be told to (udhcpc: SIGUSR1;
   * busybox stretches leases under 30 s, so its T1 would be too far away).
   * dhclient and dhcpcd renew by themselves at T1.
   */
  renew(): void;
  /** Releases the lease (RELEASE on the wire) and stops the client. */
  release(): Promise<void>;
  /** Kills the client and removes its files (its recorded events with them). */
  stop(): Promise<void>;
}

const hook = `#!/bin/sh
# $1 is udhcpc's reason; dhclient and dhcpcd pass $reason.
r="\${reason:-$1}"
n=$(ls "$LH_DIR" | grep -c '\\.env$')
# Written aside and renamed, so a reader never sees a half-written file.
env > "$LH_DIR/.tmp.$$"
mv "$LH_DIR/.tmp.$$" "$LH_DIR/$(printf %03d "$n")-$r.env"
case "$r" in
  BOUND|RENEW|REBIND|REBOOT|bound|renew)
    addr="\${new_ip_address:-$ip}"; mask="\${new_subnet_mask:-$subnet}"
    [ -n "$addr" ] && /usr/sbin/ip addr replace "$addr/$mask" dev "$interface"
    # With routes asked for: the classless routes (udhcpc's and dhcpcd's "dest/len router" pairs) into the namespace's table.
    if [ "$LH_ROUTES" = 1 ]; then
      set -- $staticroutes $new_classless_static_routes
      while [ $# -ge 2 ]; do /usr/sbin/ip route replace "$1" via "$2" dev "$interface"; shift 2; done
    fi ;;
  RELEASE|EXPIRE|FAIL|STOP|deconfig) /usr/sbin/ip -4 addr flush dev "$interface" ;;
esac
exit 0
`;

/**
 * `routes`: the hook also installs the classless routes (option 121) the
 * client was given (udhcpc and dhcpcd), as a distribution's script would;
 * otherwise it configures the address alone.
 */
export async function startClient(kind: ClientKind, link: TestLink, options: { hostname?: string; extraArgs?: string[]; routes?: boolean } = {}): Promise<RunningClient> {
  const dir = mkdtempSync(join(tmpdir(), `lh-${kind}-`));
  const script = join(dir, 'hook.sh');
  writeFileSync(script, hook);
  chmodSync(script, 0o755);
  const envDir = join(dir, 'env');
  rmSync(envDir, { recursive: true, force: true });
  writeFileSync(join(dir, '.keep'), '');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(envDir);
  const ifname = link.clientIf;
  const name = options.hostname ?? `lh-${kind}`;
  let args: string[];
  let releaseArgs: string[] | undefined;
  if (kind === 'dhclient') {
    writeFileSync(
      join(dir, 'dhclient.conf'),
      `option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;\nsend host-name = "${name}";\n` +
        'request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, domain-search, interface-mtu, rfc3442-classless-static-routes;\n',
    );
    const common = ['-4', '-v', '-cf', join(dir, 'dhclient.conf'), '-sf', script, '-e', `LH_DIR=${envDir}`, '-pf', join(dir, 'pid'), '-lf', join(dir, 'leases')];
    args = ['dhclient', '-d', ...common, ifname];
    releaseArgs = ['dhclient', '-r', ...common, ifname];
  } else if (kind === 'udhcpc') {
    args = ['env', `LH_DIR=${envDir}`, `LH_ROUTES=${options.routes ? 1 : 0}`, 'busybox', 'udhcpc', '-i', ifname, '-f', '-R', '-t', '5', '-T', '1', '-s', script, '-x', `hostname:${name}`, '-O', 'mtu', '-O', 'staticroutes', '-O', 'domain', '-O', 'search', '-O', 'dns', '-O', 'router', '-O', 'subnet', ...(options.extraArgs ?? [])];
  } else {
    writeFileSync(
      join(dir, 'dhcpcd.conf'),
      [`hostname ${name}`, 'option domain_name_servers, domain_name, domain_search, classless_static_routes, interface_mtu, subnet_mask, routers', 'noipv4ll', 'noipv6', 'noarp', 'nohook resolv.conf, timesyncd.conf, ntp.conf, hostname', `env LH_DIR=${envDir}`].join('\n') + '\n',
    );
    args = ['env', `LH_DIR=${envDir}`, `LH_ROUTES=${options.routes ? 1 : 0}`, 'dhcpcd', '-f', join(dir, 'dhcpcd.conf'), '-c', script, '-4', '-B', '-t', '20', ...(options.extraArgs ?? []), ifname];
    releaseArgs = ['dhcpcd', '-4', '-k', ifname];
  }
  const child = spawn('ip', ['netns', 'exec', link.ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LH_DIR: envDir } });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (log = (log + s).slice(-8000)));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (log = (log + s).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const events = (): [string, Record<string, string>][] =>
    (existsSync(envDir) ? readdirSync(envDir) : [])
      .filter((f) => f.endsWith('.env'))
      .sort()
      .map((f) => [f.replace(/^\d+-|\.env$/g, ''), parseEnv(readFileSync(join(envDir, f), 'utf8'))]);

  const stop = async () => {
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    kind,
    dir,
    events,
    renew() {
      if (kind === 'udhcpc') child.kill('SIGUSR1');
    },
    async waitFor(reasons, timeoutMs = 20_000, after = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events().slice(after).find(([reason]) => reasons.includes(reason));
        if (hit) return toLease(kind, hit[1]);
        if (Date.now() > deadline) throw new Error(`${kind} got no ${reasons.join('/')} within ${timeoutMs} ms; saw ${events().map(([r]) => r).join(', ') || 'nothing'}; log:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async release() {
      if (releaseArgs) {
        await new Promise<void>((resolve) => {
          const r = spawn('ip', ['netns', 'exec', link.ns, ...releaseArgs!], { stdio: 'ignore', env: { ...process.env, LH_DIR: envDir } });
          const timer = setTimeout(() => r.kill('SIGKILL'), 10_000);
          r.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        await stop();
      } else {
        // udhcpc -R releases when it is told to quit.
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        await stop();
      }
    },
    stop,
  };
}

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).replace(/^'(.*)'$/, '$1');
  }
  return out;
}

const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);

function toLease(kind: ClientKind, env: Record<string, string>): ClientLease {
  if (kind === 'udhcpc') {
    return {
      ip: env.ip ?? '',
      mask: env.subnet,
      routers: words(env.router),
      dns: words(env.dns),
      domain: env.domain,
      search: env.search,
      mtu: env.mtu ? Number(env.mtu) : undefined,
      routes: pairs(words(env.staticroutes)),
      leaseSeconds: env.lease ? Number(env.lease) : undefined,
      serverId: env.serverid,
    };
  }
  const routes = kind === 'dhclient' ? rfc3442(words(env.new_rfc3442_classless_static_routes)) : pairs(words(env.new_classless_static_routes));
  return {
    ip: env.new_ip_address ?? '',
    mask: env.new_subnet_mask,
    routers: words(env.new_routers),
    dns: words(env.new_domain_name_servers),
    domain: env.new_domain_name,
    search: env.new_domain_search,
    mtu: env.new_interface_mtu ? Number(env.new_interface_mtu) : undefined,
    routes,
    leaseSeconds: env.new_dhcp_lease_time ? Number(env.new_dhcp_lease_time) : undefined,
    serverId: env.new_dhcp_server_identifier,
  };
}

/** udhcpc and dhcpcd list routes as "dest/len router" pairs. */
function pairs(items: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) out.push(`${items[i]} via ${items[i + 1]}`);
  return out;
}

/** dhclient passes option 121 as its raw bytes in decimal: len, significant octets, router. */
function rfc3442(items: string[]): string[] {
  const bytes = items.flatMap((i) => i.split('.')).map(Number);
  const out: string[] = [];
  for (let i = 0; i < bytes.length; ) {
    const len = bytes[i++]!;
    const n = Math.ceil(len / 8);
    const dest = [...bytes.slice(i, i + n), 0, 0, 0, 0].slice(0, 4).join('.');
    i += n;
    const router = bytes.slice(i, i + 4).join('.');
    i += 4;
    out.push(`${dest}/${len} via ${router}`);
  }
  return out;
}

export function clientAvailable(kind: ClientKind): boolean {
  const bin = kind === 'udhcpc' ? 'busybox' : kind;
  return ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].some((d) => existsSync(join(d, bin)));
}
