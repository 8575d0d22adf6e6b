/**
 * The agent's network-boot replies against dnsmasq's, the yardstick (issue
 * 23 point 2). Three real dhclients (iPXE, a BIOS PXE ROM, a UEFI PXE ROM)
 * on ports with Ironic's `tag:` extra_dhcp_opts are served twice: first by
 * dnsmasq 2.90 configured as Neutron's DHCP agent writes it (a hosts file
 * tagging each port, an opts file with `tag:<port>,tag:!ipxe,option:...`
 * lines, `--dhcp-match=set:ipxe,175`, `--dhcp-userclass=set:ipxe6,iPXE`),
 * then by the agent. What each client was told to boot (its lease file's
 * filename, server-name, bootfile-name and tftp-server-name) and the ACKs'
 * siaddr must be the same.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestBridge, macOf, startCapture, type TestLink } from '@leasehold/agent/testing';
import { BootOp, DhcpMessageType, decodeDhcp, formatIpv4, messageType } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';
import { BOOT_CLIENTS, bootClient, bootLines } from './boot-clients.js';

let env: AgentEnv;
const dirs: string[] = [];
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(async () => {
  await env?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const NEXT = '198.18.142.3';
/** Ironic's entries, and a more specific UEFI one (no force:, which Neutron's dnsmasq driver does not know). */
const OPTS = [
  { opt_name: 'tag:!ipxe,bootfile-name', opt_value: 'undionly.kpxe' },
  { opt_name: 'tag:ipxe,bootfile-name', opt_value: `http://${NEXT}:8080/boot.ipxe` },
  { opt_name: 'tag:efi64,tag:!ipxe,bootfile-name', opt_value: 'snponly.efi' },
  { opt_name: 'tftp-server', opt_value: NEXT },
  { opt_name: 'server-ip-address', opt_value: NEXT },
];
const CLASSES = [['dhcp-match', 'set:efi64,option:client-arch,7']] as const;

/** Neutron's _format_option: `tag:<port tag>,[extra tags,]option:<name>,<value>` (neutron/agent/linux/dhcp.py). */
function neutronOptsLine(portTag: string, optName: string, value: string): string {
  const m = /^(tag:.*,)?(.*)$/.exec(optName)!;
  const name = /^\d+$/.test(m[2]!) ? m[2]! : `option:${m[2]}`;
  return [`tag:${portTag}`, ...(m[1] ? [m[1].slice(0, -1)] : []), name, value].join(',');
}

/** Runs the three clients until each has a lease; returns each one's boot lines and the ACKs' siaddr by MAC. */
async function serve(bridgeIf: string, links: readonly TestLink[], macs: readonly string[]): Promise<{ boot: string[][]; siaddr: Map<string, string[]> }> {
  const capture = await startCapture(bridgeIf, 'udp port 67 or udp port 68');
  const clients = [bootClient(links[0]!, BOOT_CLIENTS.ipxe), bootClient(links[1]!, BOOT_CLIENTS.bios), bootClient(links[2]!, BOOT_CLIENTS.uefi)];
  let boot: string[][];
  try {
    for (const c of clients) await expect.poll(() => c.leases(), { timeout: 30_000, interval: 200 }).toMatch(/fixed-address/);
    boot = clients.map((c) => bootLines(c.leases()));
  } finally {
    for (const c of clients) c.stop();
  }
  const siaddr = new Map<string, string[]>(macs.map((m) => [m, []]));
  for (const record of await capture.stop()) {
    const msg = decodeDhcp(record.payload);
    if (msg.op !== BootOp.Reply || messageType(msg) !== DhcpMessageType.Ack) continue;
    const mac = [...msg.chaddr].map((b) => b.toString(16).padStart(2, '0')).join(':');
    siaddr.get(mac)?.push(formatIpv4(msg.siaddr));
  }
  return { boot, siaddr };
}

describe('network boot against dnsmasq', () => {
  test("each client is told to boot what dnsmasq configured as Neutron's agent tells it: the same file, server name, options 66/67 and siaddr", async () => {
    await using bridge = await createTestBridge(4);
    const links = bridge.links.slice(0, 3);
    const server = bridge.links[3]!;
    const macs = await Promise.all(links.map((l) => macOf(l.ns, l.clientIf)));
    const ips = ['198.18.142.11', '198.18.142.12', '198.18.142.13'];

    // dnsmasq as Neutron's DHCP agent runs it, in a namespace of its own on the same segment.
    const dir = mkdtempSync(join(tmpdir(), 'lh-boot-dnsmasq-'));
    dirs.push(dir);
    // dnsmasq reads its hosts and opts files as nobody, after dropping root.
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'host'), macs.map((mac, i) => `${mac},host-${ips[i]!.replaceAll('.', '-')}.openstacklocal.,${ips[i]},set:port-${i}\n`).join(''));
    writeFileSync(join(dir, 'opts'), macs.flatMap((_, i) => OPTS.map((o) => `${neutronOptsLine(`port-${i}`, o.opt_name, o.opt_value)}\n`)).join(''));
    await server.exec('ip', ['addr', 'add', '198.18.142.2/24', 'dev', server.clientIf]);
    const dnsmasq = server.spawn('dnsmasq', [
      '--keep-in-foreground', '--conf-file=/dev/null', '--port=0', '--no-ping', '--log-facility=-', '--bind-interfaces', `--interface=${server.clientIf}`,
      `--pid-file=${join(dir, 'pid')}`, `--dhcp-hostsfile=${join(dir, 'host')}`, `--dhcp-optsfile=${join(dir, 'opts')}`, `--dhcp-leasefile=${join(dir, 'leases')}`,
      '--dhcp-match=set:ipxe,175', '--dhcp-userclass=set:ipxe6,iPXE', ...CLASSES.map(([d, v]) => `--${d}=${v}`),
      '--dhcp-range=set:subnet-1,198.18.142.0,static,255.255.255.0,86400s',
    ]);
    let log = '';
    dnsmasq.stderr?.setEncoding('utf8').on('data', (s: string) => (log = (log + s).slice(-4000)));
    let reference: Awaited<ReturnType<typeof serve>>;
    try {
      reference = await serve(bridge.ifname, links, macs);
    } catch (error) {
      throw new Error(`dnsmasq's clients got no lease; its log:\n${log}`, { cause: error });
    } finally {
      dnsmasq.kill('SIGKILL');
    }

    // The same ports on Leasehold.
    const agent = await env.startAgent({ agentId: 'agent-boot-dnsmasq', interfaceMappings: { 'phys-boot-dnsmasq': bridge.ifname }, dhcpClientClasses: CLASSES });
    const { network, subnet } = await env.network('phys-boot-dnsmasq', { cidr: '198.18.142.0/24', allocation_pools: [{ start: '198.18.142.10', end: '198.18.142.99' }] });
    for (const [i, mac] of macs.entries()) {
      await env.t.client.ports.create({ network_id: network.id, mac_address: mac, fixed_ips: [{ subnet_id: subnet.id, ip_address: ips[i]! }], extra_dhcp_opts: OPTS });
    }
    await env.bind(agent, network.id);
    for (const mac of macs) await expect.poll(() => agent.model.portByMac(network.id, mac), { timeout: 5000 }).toBeDefined();
    const ours = await serve(bridge.ifname, links, macs);

    // The reference says what the three clients should get, and they get different things.
    expect(reference.boot).toEqual([
      [`option bootfile-name "http://${NEXT}:8080/boot.ipxe";`, `option tftp-server-name "${NEXT}";`],
      ['filename "undionly.kpxe";', `server-name "${NEXT}";`],
      ['filename "snponly.efi";', `server-name "${NEXT}";`],
    ]);
    expect(ours.boot).toEqual(reference.boot);
    for (const mac of macs) {
      expect(reference.siaddr.get(mac)!.length, `dnsmasq's ACKs to ${mac}`).toBeGreaterThan(0);
      expect(ours.siaddr.get(mac)!.length, `the agent's ACKs to ${mac}`).toBeGreaterThan(0);
      expect(new Set(ours.siaddr.get(mac))).toEqual(new Set(reference.siaddr.get(mac)));
    }
  }, 150_000);
});
