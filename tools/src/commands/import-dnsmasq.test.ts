import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkConfig, loadConfig } from '@leasehold/server';
import { runCli } from './resources/testing/run-cli.js';

/** A small office's dnsmasq.conf: DNS forwarding with local names, one DHCP range, static hosts, a PXE tag, and things Leasehold has no place for. */
const DNSMASQ_CONF = `# /etc/dnsmasq.conf
domain-needed
bogus-priv
no-resolv
strict-order
server=198.18.255.1
server=198.18.255.9#53
server=/corp.example/198.18.20.53
address=/ads.example.com/
address=/printer.lan/198.18.10.40
host-record=nas.lan,198.18.10.5
cache-size=1000
local-ttl=60
interface=eth1
bind-interfaces
listen-address=198.18.10.1
domain=lan
expand-hosts

dhcp-range=set:office,198.18.10.100,198.18.10.200,255.255.255.0,12h
dhcp-option=option:router,198.18.10.1
dhcp-option=6,0.0.0.0,198.18.255.1
dhcp-option=option:classless-static-route,198.19.0.0/16,198.18.10.254
dhcp-option=option:ntp-server,198.18.10.1
dhcp-host=52:54:00:aa:00:01,198.18.10.10,printer
dhcp-host=52:54:00:aa:00:02,198.18.10.150,nas,infinite
dhcp-host=52:54:00:aa:00:03,set:pxe,198.18.10.20,bootbox
dhcp-option=tag:pxe,option:bootfile-name,pxelinux.0
dhcp-option=tag:pxe,66,198.18.10.2
dhcp-host=id:01:52:54:00:aa:00:09,198.18.10.30
dhcp-host=52:54:00:aa:00:04,ignore
dhcp-authoritative
dhcp-leasefile=/var/lib/misc/dnsmasq.leases
log-queries
`;

let t: TestApi;
let dir: string;
let conf: string;
beforeAll(async () => {
  t = await startTestApi();
  dir = mkdtempSync(join(tmpdir(), 'lh-import-'));
  conf = join(dir, 'dnsmasq.conf');
  writeFileSync(conf, DNSMASQ_CONF);
});
afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const lineOf = (stdout: string, n: number) => stdout.split('\n').find((l) => l.startsWith(`${conf}:${n} `)) ?? `(no report for line ${n})`;

describe('leasehold import-dnsmasq', () => {
  test('the fixture is a configuration real dnsmasq accepts', () => {
    const run = spawnSync('dnsmasq', ['--test', `--conf-file=${conf}`], { encoding: 'utf8' });
    if (run.error) return expect((run.error as NodeJS.ErrnoException).code).toBe('ENOENT'); // dnsmasq is installed by npm test; without it this check has nothing to run
    expect(run.stderr).toContain('syntax check OK');
  });

  test('creates the network, subnet and ports through the API, writes the DNS settings, and reports every line', async () => {
    const out = join(dir, 'leasehold.yaml');
    const run = await runCli(['import-dnsmasq', conf, '--network-name', 'office', '-o', out, '--nats-url', t.nats.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const [network] = await t.client.networks.list({ name: 'office' });
    expect(network?.dns_domain).toMatch(/^lan\.?$/);
    const [subnet] = await t.client.subnets.list({ network_id: network!.id });
    expect(subnet).toMatchObject({
      cidr: '198.18.10.0/24',
      gateway_ip: '198.18.10.1',
      // .150 is nas's fixed address: taken out of the dynamic range, as the API keeps fixed and dynamic addresses apart.
      dynamic_pools: [{ start: '198.18.10.100', end: '198.18.10.149' }, { start: '198.18.10.151', end: '198.18.10.200' }],
      dns_nameservers: ['198.18.255.1'],
      host_routes: [{ destination: '198.19.0.0/16', nexthop: '198.18.10.254' }],
      lease_duration: 12 * 3600,
      enable_dhcp: true,
    });
    const ports = await t.client.ports.list({ network_id: network!.id });
    const byMac = new Map(ports.map((p) => [p.mac_address, p]));
    expect(ports).toHaveLength(3);
    expect(byMac.get('52:54:00:aa:00:01')).toMatchObject({ dns_name: 'printer', fixed_ips: [{ subnet_id: subnet!.id, ip_address: '198.18.10.10' }] });
    expect(byMac.get('52:54:00:aa:00:02')).toMatchObject({ dns_name: 'nas', fixed_ips: [{ ip_address: '198.18.10.150' }] });
    expect(byMac.get('52:54:00:aa:00:03')?.extra_dhcp_opts).toEqual([
      { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 },
      { opt_name: '66', opt_value: '198.18.10.2', ip_version: 4 },
    ].map((o) => expect.objectContaining({ opt_name: o.opt_name, opt_value: o.opt_value })));

    // Line by line: what each became, or why not.
    expect(lineOf(run.stdout, 6)).toMatch(/dns\s+server=198\.18\.255\.1\s+→ dns\.server/);
    expect(lineOf(run.stdout, 14)).toMatch(/agent\s+interface=eth1/);
    expect(lineOf(run.stdout, 15)).toMatch(/ignored\s+bind-interfaces/);
    expect(lineOf(run.stdout, 20)).toMatch(/created\s+dhcp-range=.*→ network office \(.+\), subnet 198\.18\.10\.0\/24, dynamic pool 198\.18\.10\.100-198\.18\.10\.200, lease 43200 s/);
    expect(lineOf(run.stdout, 24)).toMatch(/NOT MAPPED\s+dhcp-option=option:ntp-server.*no subnet-wide field/);
    expect(lineOf(run.stdout, 26)).toMatch(/created\s+dhcp-host=52:54:00:aa:00:02.*taken out of the dynamic pool/);
    expect(lineOf(run.stdout, 28)).toMatch(/created\s+dhcp-option=tag:pxe,option:bootfile-name.*on 1 port\(s\) tagged pxe/);
    expect(lineOf(run.stdout, 30)).toMatch(/NOT MAPPED\s+dhcp-host=id:.*client id/);
    expect(lineOf(run.stdout, 31)).toMatch(/NOT MAPPED\s+dhcp-host=52:54:00:aa:00:04,ignore/);
    expect(lineOf(run.stdout, 32)).toMatch(/NOT MAPPED\s+dhcp-authoritative/);
    // log-queries means what it means to dnsmasq (issue 21): the agent's DNS logs its queries.
    expect(lineOf(run.stdout, 34)).toMatch(/dns\s+log-queries\s+→ dns\.log-queries/);
    expect(run.stdout).toMatch(/created 1 network\(s\), 1 subnet\(s\), 3 port\(s\); 14 DNS setting\(s\), 1 agent setting\(s\); 5 line\(s\) not mapped, 2 ignored/);

    // The DNS settings are a leasehold.yaml the processes accept.
    const yaml = readFileSync(out, 'utf8');
    const { dns, agent } = checkConfig(loadConfig({ file: out, env: {} }));
    expect(dns.servers.map((s) => s.address)).toEqual(['198.18.255.1', '198.18.255.9']);
    expect(dns.domainServers).toEqual([{ domain: 'corp.example', server: { address: '198.18.20.53', port: 53, family: 4 } }]);
    expect(dns.addresses).toEqual([{ domain: 'ads.example.com', ip: undefined }, { domain: 'printer.lan', ip: '198.18.10.40' }]);
    expect(dns.hostRecords[0]?.names).toEqual(['nas.lan']);
    expect(dns).toMatchObject({ cacheSize: 1000, localTtl: 60, noResolv: true, strictOrder: true, domainNeeded: true, bogusPriv: true, expandHosts: true, domain: 'lan' });
    expect(agent.interfaceMappings).toEqual({ '*': 'eth1' });
    expect(yaml).toContain('server:');
  });

  test('a second import of the same file changes nothing and says so; a changed file shows the difference and applies it only with --update', async () => {
    const again = await runCli(['import-dnsmasq', conf, '--network-name', 'office', '--nats-url', t.nats.url]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to change: network office already matches');
    expect(again.stdout).toMatch(/created 0 network\(s\), 0 subnet\(s\), 0 port\(s\)/);
    const before = await t.client.networks.list({ name: 'office' });
    expect(before).toHaveLength(1);

    // The file changes: a longer lease, an MTU, one more host, a new name for the printer.
    const changed = join(dir, 'changed.conf');
    writeFileSync(changed, `${DNSMASQ_CONF.replace('255.255.255.0,12h', '255.255.255.0,1d').replace('198.18.10.10,printer', '198.18.10.10,printer2')}dhcp-option=option:mtu,1400\ndhcp-host=52:54:00:aa:00:05,198.18.10.11,camera\n`);
    const shown = await runCli(['import-dnsmasq', changed, '--network-name', 'office', '--nats-url', t.nats.url]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('network office differs from the file (not applied; run again with --update to apply):');
    expect(shown.stdout).toContain('  network office: mtu: 1500 → 1400');
    expect(shown.stdout).toContain('lease_duration: 43200 → 86400');
    expect(shown.stdout).toContain('  port 52:54:00:aa:00:05: create');
    expect(shown.stdout).toMatch(/ {2}port 52:54:00:aa:00:01: name: printer → printer2, dns_name: printer → printer2/);
    const [unchanged] = await t.client.subnets.list({ network_id: before[0]!.id });
    expect(unchanged?.lease_duration).toBe(43_200);

    const applied = await runCli(['import-dnsmasq', changed, '--network-name', 'office', '--update', '--nats-url', t.nats.url]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('network office updated:');
    const after = await t.client.networks.list({ name: 'office' });
    expect(after.map((n) => [n.id, n.mtu])).toEqual([[before[0]!.id, 1400]]);
    const [subnet] = await t.client.subnets.list({ network_id: before[0]!.id });
    expect(subnet?.lease_duration).toBe(86_400);
    const ports = await t.client.ports.list({ network_id: before[0]!.id });
    expect(ports.map((p) => p.dns_name).sort()).toEqual(['bootbox', 'camera', 'nas', 'printer2']);

    const settled = await runCli(['import-dnsmasq', changed, '--network-name', 'office', '--nats-url', t.nats.url]);
    expect(settled.stdout).toContain('nothing to change: network office already matches');
  });

  test('a network new in a file imported before is shown, and created only with --update', async () => {
    const two = join(dir, 'two.conf');
    const ranges = 'dhcp-range=set:red,198.18.30.10,198.18.30.20,255.255.255.0\ndhcp-range=set:blue,198.18.31.10,198.18.31.20,255.255.255.0\n';
    writeFileSync(two, ranges);
    expect((await runCli(['import-dnsmasq', two, '--network-name', 'site', '--nats-url', t.nats.url])).code).toBe(0);
    writeFileSync(two, `${ranges}dhcp-range=set:green,198.18.32.10,198.18.32.20,255.255.255.0\n`);
    const shown = await runCli(['import-dnsmasq', two, '--network-name', 'site', '--nats-url', t.nats.url]);
    expect(shown.stdout).toContain('nothing to change: network site-red already matches');
    expect(shown.stdout).toContain('network site-green is not there yet (not created; run again with --update to apply):');
    expect(await t.client.networks.list({ name: 'site-green' })).toEqual([]);
    const applied = await runCli(['import-dnsmasq', two, '--network-name', 'site', '--update', '--nats-url', t.nats.url]);
    expect(applied.code).toBe(0);
    expect(await t.client.networks.list({ name: 'site-green' })).toHaveLength(1);
  });

  test('a subnet of the same CIDR in a network of another name is refused, not doubled', async () => {
    const run = await runCli(['import-dnsmasq', conf, '--network-name', 'office-copy', '--nats-url', t.nats.url]);
    expect(run.code).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toMatch(/subnet 198\.18\.10\.0\/24 already belongs to network/);
    expect(await t.client.networks.list({ name: 'office-copy' })).toEqual([]);
  });

  test('--dry-run prints the requests and the report and creates nothing, with no API at all', async () => {
    const run = await runCli(['import-dnsmasq', conf, '--network-name', 'dry', '--dry-run', '--nats-url', 'nats://127.0.0.1:1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('would create {"network":{"name":"dry","dns_domain":"lan"}');
    expect(run.stdout).toMatch(/would create 1 network\(s\), 1 subnet\(s\), 3 port\(s\)/);
    expect(run.stdout).toContain('# leasehold.yaml (DNS settings; write it with -o FILE)');
    expect(await t.client.networks.list({ name: 'dry' })).toEqual([]);
  });

  test('a file that cannot be read is an error naming it', async () => {
    const run = await runCli(['import-dnsmasq', join(dir, 'missing.conf'), '--dry-run']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot read .*missing\.conf: ENOENT/);
  });
});
