/**
 * DNS over TLS to a real TLS upstream (issue 24 point 4): Debian's unbound
 * serving a local zone on a TLS-only port of 127.0.0.1, with a certificate
 * made here by openssl (a CA of its own, the server's certificate naming
 * dot.test and 127.0.0.1). The cache is configured through the option
 * parser, as `leasehold dns` is (server=tls://..., tls-ca, tls-servername),
 * and asked with `dig`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { applyItems, parseDnsArgs } from './options.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { dig, freePort, sleep } from './test-harness.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'lh-dns-tls-'));
let port: number;
let unbound: ChildProcess;
let unboundLog = '';
const running: DnsCacheHandle[] = [];

beforeAll(async () => {
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  await openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Leasehold test CA');
  await openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=dot.test');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:dot.test,IP:127.0.0.1\n');
  await openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
  port = await freePort();
  writeFileSync(
    join(dir, 'unbound.conf'),
    [
      'server:',
      `  interface: 127.0.0.1@${port}`,
      // The interface's port is the TLS port: it answers TLS only, so an answer proves the question went over TLS.
      `  tls-port: ${port}`,
      `  tls-service-key: "${dir}/server.key"`,
      `  tls-service-pem: "${dir}/server.pem"`,
      '  do-daemonize: no', '  username: ""', '  chroot: ""', `  directory: "${dir}"`, `  pidfile: "${dir}/unbound.pid"`,
      '  use-syslog: no', '  logfile: ""', '  verbosity: 1', '  log-queries: yes', '  do-ip6: no', '  access-control: 127.0.0.0/8 allow',
      '  module-config: "iterator"', '  local-zone: "dot.test." static',
      '  local-data: "a.dot.test. 300 IN A 198.19.7.1"', '  local-data: "dot.test. 300 IN SOA ns.dot.test. h.dot.test. 1 3600 600 86400 300"',
      ...Array.from({ length: 20 }, (_, i) => `  local-data: "n${i}.dot.test. 300 IN A 198.19.7.${10 + i}"`),
      'remote-control:', '  control-enable: no', '',
    ].join('\n'),
  );
  unbound = spawn('unbound', ['-d', '-c', join(dir, 'unbound.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  unbound.stdout!.on('data', (d) => (unboundLog += d));
  unbound.stderr!.on('data', (d) => (unboundLog += d));
  const deadline = Date.now() + 20_000;
  while (!(await accepts(port))) {
    if (unbound.exitCode !== null || Date.now() > deadline) throw new Error(`unbound did not start: ${unboundLog}`);
    await sleep(50);
  }
}, 60_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  if (unbound?.exitCode === null) {
    const exited = new Promise((resolve) => unbound.once('exit', resolve));
    unbound.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

function accepts(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: p });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A cache configured with dnsmasq-style flags, as `leasehold dns` is. */
async function cache(flags: string[]) {
  const config = applyItems(parseDnsArgs(['--no-resolv', '--no-hosts', '--upstream-timeout=2000', ...flags]).items);
  const handle = await startDnsCache({ ...config, listenAddresses: ['127.0.0.1'] }, { listenPort: 0 });
  running.push(handle);
  return { handle, at: handle.addresses[0]! };
}

describe('DNS over TLS to upstreams (server=tls://...)', () => {
  test('server=tls://ip#port is parsed as a TLS upstream, port 853 unless given; tls-servername and tls-ca are kept', () => {
    const config = applyItems(parseDnsArgs(['--server=tls://198.18.255.1', '--server=/corp.test/tls://198.18.1.53#8853', '--tls-servername=dns.example', '--tls-ca=/etc/ssl/ca.pem']).items);
    expect(config.servers).toStrictEqual([{ address: '198.18.255.1', family: 4, port: 853, tls: true }]);
    expect(config.domainServers).toStrictEqual([{ domain: 'corp.test', server: { address: '198.18.1.53', family: 4, port: 8853, tls: true } }]);
    expect([config.tlsServername, config.tlsCa]).toStrictEqual(['dns.example', '/etc/ssl/ca.pem']);
    expect(() => applyItems(parseDnsArgs(['--server=tls://dns.example']).items)).toThrow(/bad address/);
  });

  test('questions go to unbound over TLS, checked against tls-servername and tls-ca, and are answered and cached', async () => {
    const { handle, at } = await cache([`--server=tls://127.0.0.1#${port}`, `--tls-ca=${dir}/ca.pem`, '--tls-servername=dot.test']);
    const first = await dig(at, ['a.dot.test']);
    expect([first.status, first.answers.map((a) => a.data)]).toStrictEqual(['NOERROR', ['198.19.7.1']]);
    expect((await dig(at, ['nosuch.dot.test'])).status).toBe('NXDOMAIN');
    expect((await dig(at, ['a.dot.test'])).answers.map((a) => a.data)).toStrictEqual(['198.19.7.1']);
    expect(handle.stats()).toMatchObject({ forwarded: 2, cacheHits: 1, upstreamFailures: 0 });
  });

  test('twenty questions at once, pipelined on the one connection (answers matched by id), each get their own answer', async () => {
    const { handle, at } = await cache([`--server=tls://127.0.0.1#${port}`, `--tls-ca=${dir}/ca.pem`]);
    // Without tls-servername the certificate must name the address: it does (IP:127.0.0.1).
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => dig(at, [`n${i}.dot.test`])));
    expect(answers.map((a) => a.answers.map((r) => r.data))).toStrictEqual(Array.from({ length: 20 }, (_, i) => [`198.19.7.${10 + i}`]));
    expect(handle.stats().upstreamFailures).toBe(0);
  });

  test('a certificate that does not check out fails the question: wrong name, or a CA not trusted', async () => {
    const wrongName = await cache([`--server=tls://127.0.0.1#${port}`, `--tls-ca=${dir}/ca.pem`, '--tls-servername=other.test']);
    expect((await dig(wrongName.at, ['a.dot.test'])).status).toBe('SERVFAIL');
    expect(wrongName.handle.stats().upstreamFailures).toBe(1);
    const untrusted = await cache([`--server=tls://127.0.0.1#${port}`, '--tls-servername=dot.test']);
    expect((await dig(untrusted.at, ['a.dot.test'])).status).toBe('SERVFAIL');
  });
});
