/**
 * Issue 24 point 2, the behaviour: four configurations of the corpus
 * (cases.ts) run by a real dnsmasq 2.90 and by `leasehold dns` (the real
 * command), side by side in a network namespace made here, both forwarding
 * to one upstream dnsmasq there (authoritative for the test zones, on every
 * upstream address the configurations name). The same questions, asked with
 * one `dig` run per server, must get the same answers: rcode, AA/TC/RA and
 * the answer records. Addresses from 198.18.0.0/15; needs root (ip netns).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LEASEHOLD_BIN } from '../leasehold-bin.js';
import { prepareCorpus } from './cases.js';
import { digMany, expectSameDigAnswers } from './dig-many.js';

const run = promisify(execFile);
const NS = `lhconf-${process.pid}`;
/** Where the two servers under test listen (each on its own port), and the upstream's addresses: every one the configurations name. */
const LISTEN = '198.18.53.1';
const UPSTREAMS = ['198.18.255.1', '198.18.255.9', '198.18.30.53', '198.18.1.53'];
const DNSMASQ_PORT = 5301;
const LEASEHOLD_PORT = 5302;

const { root } = prepareCorpus();
const started: ChildProcess[] = [];

/** Starts a command inside the namespace (`ip netns exec` execs it, so the child's pid is the server's) and waits until `ready` holds. */
async function startIn(command: string[], ready: (out: string) => boolean): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn('ip', ['netns', 'exec', NS, ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  // A loaded machine can take long to start node (expect.poll works only inside a test, and this runs in beforeAll too).
  const deadline = Date.now() + 40_000;
  while (!ready(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${command.join(' ')} did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, out: () => out };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  await run('ip', ['netns', 'add', NS]);
  await run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  for (const a of [LISTEN, ...UPSTREAMS]) await run('ip', ['-n', NS, 'addr', 'add', `${a}/32`, 'dev', 'lo']);
  // The home router's LAN: interface=br-lan (a veth pair: this kernel has no dummy links).
  await run('ip', ['-n', NS, 'link', 'add', 'br-lan', 'type', 'veth', 'peer', 'name', 'br-lan-peer']);
  await run('ip', ['-n', NS, 'link', 'set', 'br-lan-peer', 'up']);
  await run('ip', ['-n', NS, 'addr', 'add', '198.18.1.1/24', 'dev', 'br-lan']);
  await run('ip', ['-n', NS, 'link', 'set', 'br-lan', 'up']);
  // gw.lab.test has an AAAA here that the configuration's own host-record (A only) does not: asked for AAAA, both must forward.
  const records = ['a.test,198.19.5.1', 'b.test,198.19.5.2,2001:db8::5:2', 'www.example,198.19.5.3', 'db.corp.example,198.19.5.4', 'gw.lab.test,198.19.5.5,2001:db8::5:5', 'host.lab.test,198.19.5.6', 'x.svc.lab.test,198.19.5.7', 'nas.home.lan,198.19.5.8'];
  await startIn(
    [
      'dnsmasq', '--no-daemon', '--port=53', `--listen-address=${UPSTREAMS.join(',')}`, '--bind-interfaces', '--no-resolv', '--no-hosts', '--conf-file=/dev/null', '--log-facility=-',
      ...records.map((r) => `--host-record=${r}`), '--ptr-record=9.30.18.198.in-addr.arpa,r9.lab.test',
      // Authoritative for the zones asked about: every other name there gets NXDOMAIN with an SOA, never REFUSED.
      `--auth-server=ns.test,${UPSTREAMS.join(',')}`, '--auth-zone=test', '--auth-zone=example', '--auth-zone=30.18.198.in-addr.arpa', '--auth-soa=1,hostmaster.test,1200,120,1000,300',
    ],
    (out) => out.includes('started'),
  );
}, 60_000);

afterAll(async () => {
  for (const child of started) await stop(child);
  await run('ip', ['netns', 'del', NS]).catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

/** dnsmasq and `leasehold dns` with the same file and flags, each on its own port; the same questions; the same answers. */
async function sideBySide(file: string, questions: string[][]): Promise<void> {
  const conf = join(root, file);
  const dnsmasq = await startIn(
    ['dnsmasq', '--no-daemon', '--log-facility=-', `--conf-file=${conf}`, `--port=${DNSMASQ_PORT}`, `--listen-address=${LISTEN}`, '--bind-interfaces'],
    (out) => out.includes('started'),
  );
  const leasehold = await startIn(
    [process.execPath, LEASEHOLD_BIN, 'dns', '--conf-file', conf, '--port', String(LEASEHOLD_PORT), '--listen-address', LISTEN],
    (out) => out.includes('Press Ctrl-C to stop'),
  );
  try {
    const [theirs, ours] = await Promise.all([digMany(NS, { address: LISTEN, port: DNSMASQ_PORT }, questions), digMany(NS, { address: LISTEN, port: LEASEHOLD_PORT }, questions)]);
    expectSameDigAnswers(ours, theirs);
    // Not vacuous: the questions got real answers, not all the same failure.
    expect(new Set(ours.map((a) => a.status)).has('NOERROR')).toBe(true);
    expect(ours.some((a) => a.answers.length > 0)).toBe(true);
  } finally {
    await stop(leasehold.child);
    await stop(dnsmasq.child);
  }
}

describe('dnsmasq 2.90 and leasehold dns started with the same configuration give the same answers', () => {
  test('split DNS: per-domain servers, server=/d/# and server=/d/, the address= blocking forms, rev-server', async () => {
    await sideBySide('split-dns/dnsmasq.conf', [
      ['gw.lab.test', 'A'], ['gw.lab.test', 'AAAA'], ['gw.lab.test', 'TXT'], ['host.lab.test', 'A'], ['x.svc.lab.test', 'A'], ['nope.lab.test', 'A'], ['a.test', 'A'], ['b.test', 'AAAA'], ['www.example', 'A'],
      ['y.internal.test', 'A'], ['ads.test', 'A'], ['sub.ads.test', 'A'], ['ads.test', 'AAAA'], ['tracker.test', 'A'], ['tracker.test', 'AAAA'],
      ['nx.test', 'A'], ['nx.test', 'TXT'], ['two.test', 'A'], ['three.test', 'A'], ['-x', '198.18.30.9'], ['-x', '198.18.30.10'],
    ]);
  }, 120_000);

  test('a Pi-hole-style blocklist: blocked names, names below them, other types, and names not listed', async () => {
    const { blocklist } = await import('./cases.js');
    const listed = blocklist().filter((l) => l.startsWith('address=/')).map((l) => l.split('/'));
    const pick = (ending: string) => listed.filter((p) => p[2] === ending).slice(0, 3).map((p) => p[1]!);
    const zero = pick('0.0.0.0');
    const hash = pick('#');
    const six = pick('::');
    const commented = blocklist().filter((l) => l.startsWith('#address=/')).slice(0, 2).map((l) => l.split('/')[1]!);
    await sideBySide('pihole/dnsmasq.conf', [
      ...zero.flatMap((n) => [[n, 'A'], [`deep.${n}`, 'A'], [n, 'AAAA']]), ...hash.flatMap((n) => [[n, 'A'], [n, 'AAAA']]), ...six.flatMap((n) => [[n, 'AAAA'], [n, 'A']]),
      ...commented.map((n) => [n, 'A']), ['a.test', 'A'], ['www.example', 'A'], ['nosuch.example', 'A'], ['plainname', 'A'], ['-x', '192.168.7.7'],
    ]);
  }, 120_000);

  test("a NetworkManager dnsmasq.d: local=/lan/, expand-hosts, host-record, cname, rev-server, strict-order and all-servers", async () => {
    await sideBySide('nm-dnsmasq.d/dnsmasq.conf', [
      ['gw.lan', 'A'], ['nas.lan', 'A'], ['nas.lan', 'AAAA'], ['nas.lan', 'TXT'], ['gw.lan', 'AAAA'], ['files.lan', 'A'], ['nope.lan', 'A'], ['db.corp.example', 'A'], ['a.test', 'A'], ['www.example', 'A'],
      ['-x', '198.18.0.10'],
    ]);
  }, 120_000);

  test('a home router: records, rebind and bogus-priv policies, filterwin2k, synth-domain and alias', async () => {
    await sideBySide('home-router/dnsmasq.conf', [
      ['nas.home.lan', 'A'], ['nas.home.lan', 'AAAA'], ['nas', 'A'], ['files.home.lan', 'A'], ['home.lan', 'MX'], ['home.lan', 'TXT'], ['home.lan', 'CAA'],
      ['home.lan', 'NAPTR'], ['home.lan', 'TYPE65534'], ['_ldap._tcp.home.lan', 'SRV'], ['_http._tcp.dns-sd-services', 'PTR'], ['dhcp-198-18-1-7.home.lan', 'A'],
      ['-x', '198.18.1.7'], ['-x', '198.18.1.10'], ['-x', '192.168.1.1'], ['x.home.lan', 'A'], ['a.test', 'A'], ['www.example', 'A'], ['nosuch.example', 'A'],
      ['test', 'SOA'], ['_kerberos._tcp.test', 'SRV'], ['plainname', 'A'],
    ]);
  }, 120_000);
});
