/**
 * The agent's router advertisements (issue 22 point 5, dnsmasq's enable-ra)
 * heard by real hosts: with agent.ipv6_ra on (MaxRtrAdvInterval shortened
 * to RFC 4861's floor of 4 s), the Linux kernel in a client namespace
 * (accept_ra=2, autoconf=1) forms its SLAAC address (EUI-64 of its MAC) in a
 * slaac subnet's advertised prefix, and rdisc6 (ndisc6) solicits and sees
 * M=0 O=0, the prefix with the A flag, the RDNSS and the DNSSL, router
 * lifetime 0, sent from the agent interface's link-local address; on a
 * dhcpv6-stateful subnet's link it sees M=1 O=1 and a prefix without A.
 * Both links are served by one agent.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { macOf, type TestLink } from '@leasehold/agent/testing';
import { eui64Address, formatIpv6, parseIpv6Prefix } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';
import { linkLocalReady } from './dhclient6.js';

const run = promisify(execFile);

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

/** A link whose client end accepts router advertisements and forms SLAAC addresses. */
async function hostLink(): Promise<TestLink> {
  const link = await env.link();
  await link.exec('sysctl', ['-qw', `net.ipv6.conf.${link.clientIf}.accept_ra=2`, `net.ipv6.conf.${link.clientIf}.autoconf=1`]);
  return link;
}

/** A network on `physnet` with an IPv4 subnet and an IPv6 one in `mode` (both ipv6 modes alike, as Neutron wants them). */
async function dualStack(tag: number, physnet: string, mode: 'slaac' | 'dhcpv6-stateful') {
  const { network } = await env.network(physnet, { cidr: `198.18.${tag}.0/24` }, { dns_domain: `ra-${tag}.example` });
  const v6 = await env.t.client.subnets.create({
    network_id: network.id,
    cidr: `2001:db8:${tag}::/64`,
    ipv6_address_mode: mode,
    ipv6_ra_mode: mode,
    dns_nameservers: [`2001:db8:${tag}::53`],
  });
  return { network, v6 };
}

/** rdisc6's report of the first advertisement it hears after soliciting on the client end. */
async function rdisc6(link: TestLink): Promise<string> {
  const { stdout } = await link.exec('rdisc6', ['-1', '-r', '6', '-w', '2000', link.clientIf], { timeoutMs: 30_000 });
  return stdout;
}

/** A field of rdisc6's report: "Stateful address conf.    :          Yes" → "Yes". */
function field(report: string, name: string): string | undefined {
  const line = report.split('\n').find((l) => l.trim().startsWith(name));
  return line?.slice(line.indexOf(':') + 1).trim();
}

async function hostLinkLocal(ifname: string): Promise<string> {
  const { stdout } = await run('ip', ['-6', '-o', 'addr', 'show', 'dev', ifname, 'scope', 'link']);
  return /inet6 (fe80::[0-9a-f:]+)\//.exec(stdout)![1]!;
}

describe('router advertisements from the agent', () => {
  test('a host forms its SLAAC address in a slaac subnet from the advertised prefix, and rdisc6 sees the flags, prefix, RDNSS and DNSSL from the link-local address; a stateful subnet is advertised with M and O and no A flag', async () => {
    const slaacLink = await hostLink();
    const statefulLink = await hostLink();
    const agent = await env.startAgent({
      agentId: 'agent-ra',
      interfaceMappings: { physra1: slaacLink.hostIf, physra2: statefulLink.hostIf },
      ipv6Ra: { enabled: true, maxIntervalS: 4, defaultRouter: false },
    });
    const slaac = await dualStack(131, 'physra1', 'slaac');
    const stateful = await dualStack(132, 'physra2', 'dhcpv6-stateful');
    await env.bind(agent, slaac.network.id);
    await env.bind(agent, stateful.network.id);
    await linkLocalReady([undefined, slaacLink.hostIf], [slaacLink.ns, slaacLink.clientIf], [undefined, statefulLink.hostIf], [statefulLink.ns, statefulLink.clientIf]);

    // The kernel's own SLAAC: the EUI-64 address of the client's MAC in the advertised /64.
    const expected = formatIpv6(eui64Address(parseIpv6Prefix(slaac.v6.cidr), await macOf(slaacLink.ns, slaacLink.clientIf)));
    await expect
      .poll(async () => (await slaacLink.exec('ip', ['-6', '-o', 'addr', 'show', 'dev', slaacLink.clientIf, 'scope', 'global'])).stdout, { timeout: 30_000, interval: 250 })
      .toContain(`inet6 ${expected}/64`);

    const report = await rdisc6(slaacLink);
    expect(field(report, 'Stateful address conf.')).toBe('No');
    expect(field(report, 'Stateful other conf.')).toBe('No');
    expect(field(report, 'Router lifetime')).toMatch(/^0 /);
    expect(field(report, 'Prefix')).toBe('2001:db8:131::/64');
    expect(field(report, 'On-link')).toBe('Yes');
    expect(field(report, 'Autonomous address conf.')).toBe('Yes');
    expect(field(report, 'Recursive DNS server')).toBe('2001:db8:131::53');
    expect(field(report, 'DNS search list')).toBe('ra-131.example');
    expect(report).toContain(`from ${await hostLinkLocal(slaacLink.hostIf)}`);

    const managed = await rdisc6(statefulLink);
    expect(field(managed, 'Stateful address conf.')).toBe('Yes');
    expect(field(managed, 'Stateful other conf.')).toBe('Yes');
    expect(field(managed, 'Prefix')).toBe('2001:db8:132::/64');
    expect(field(managed, 'Autonomous address conf.')).toBe('No');

    // Each link advertised on its own and answered the solicitations (counted, as /metrics shows them).
    expect(agent.ra.interfaces().sort()).toEqual([slaacLink.hostIf, statefulLink.hostIf].sort());
    expect(agent.ra.stats.sent.unsolicited).toBeGreaterThanOrEqual(2);
    expect(agent.ra.stats.solicitations.answered).toBeGreaterThanOrEqual(2);
    expect(agent.ra.stats.sendErrors).toBe(0);
  });
});
