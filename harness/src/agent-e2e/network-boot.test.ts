/**
 * Issue 23 point 2 end to end: two real ISC dhclient clients on one network,
 * each on a port with Ironic's extra_dhcp_opts (`tag:!ipxe,bootfile-name`
 * undionly.kpxe, `tag:ipxe,bootfile-name` the iPXE script, tftp-server,
 * server-ip-address). One says it is iPXE (option 175, which Neutron's
 * `dhcp-match=set:ipxe,175` tags, and user class iPXE), the other is a BIOS
 * PXE ROM (vendor class PXEClient:Arch:00000), a third a UEFI PXE ROM
 * (architecture 7 in option 93, which `dhcp-match=set:efi64,option:client-arch,7`
 * tags, and a port entry `tag:efi64,tag:!ipxe,bootfile-name`, more specific
 * than Ironic's). Each gets its own boot file:
 * read from dhclient's lease file (`filename`, `server-name`, and option 67
 * where it was asked for) and from the ACKs on the wire (siaddr).
 */
import { createTestBridge, macOf, startCapture, type TestLink } from '@leasehold/agent/testing';
import { startHttpApi, type HttpApi } from '@leasehold/api';
import { BootOp, DhcpMessageType, decodeDhcp, formatIpv4, messageType } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';
import { BOOT_CLIENTS, bootClient as dhclient } from './boot-clients.js';
import { openstackCli } from '../openstack-cli.js';

let env: AgentEnv;
let http: HttpApi;
beforeAll(async () => {
  env = await startAgentEnv();
  http = await startHttpApi(env.t.api, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await http?.close();
  await env?.stop();
});

const NEXT_SERVER = '198.18.140.3';
const SCRIPT = `http://${NEXT_SERVER}:8080/boot.ipxe`;

describe('network boot: client classes pick the boot file', () => {
  test('an iPXE client gets the iPXE script as option 67, a BIOS PXE ROM undionly.kpxe in the file field, a UEFI one snponly.efi, all siaddr = server-ip-address', async () => {
    await using bridge = await createTestBridge(3);
    const [ipxeLink, biosLink, uefiLink] = bridge.links as [TestLink, TestLink, TestLink];
    const classes = [['dhcp-vendorclass', 'set:pxe,PXEClient'], ['dhcp-match', 'set:efi64,option:client-arch,7']] as const;
    const agent = await env.startAgent({ agentId: 'agent-boot', interfaceMappings: { 'phys-boot': bridge.ifname }, dhcpClientClasses: classes });
    const { network, subnet } = await env.network('phys-boot', { cidr: '198.18.140.0/24', allocation_pools: [{ start: '198.18.140.10', end: '198.18.140.99' }] });
    await env.bind(agent, network.id);

    const ironic = [
      { opt_name: 'tag:!ipxe,bootfile-name', opt_value: 'undionly.kpxe' },
      { opt_name: 'tag:ipxe,bootfile-name', opt_value: SCRIPT },
      { opt_name: 'tftp-server', opt_value: NEXT_SERVER },
      { opt_name: 'server-ip-address', opt_value: NEXT_SERVER },
      // The configured dhcp-vendorclass=set:pxe,PXEClient: sent (forced) to the PXE ROM alone.
      { opt_name: 'force:tag:pxe,root-path', opt_value: '/srv/pxe' },
      // Two tag tests: wins over tag:!ipxe,bootfile-name for a UEFI PXE ROM.
      { opt_name: 'tag:efi64,tag:!ipxe,bootfile-name', opt_value: 'snponly.efi' },
    ];
    const macs = [await macOf(ipxeLink.ns, ipxeLink.clientIf), await macOf(biosLink.ns, biosLink.clientIf), await macOf(uefiLink.ns, uefiLink.clientIf)];
    const ports: { fixed_ips: { ip_address: string }[] }[] = [];
    // The iPXE client's port as an operator would make it: the real openstack CLI through the Neutron HTTP API, names with commas and all.
    const cli = ['port', 'create', 'node-ipxe', '--network', network.id, '--mac-address', macs[0]!, '--fixed-ip', `subnet=${subnet.id}`];
    for (const o of ironic) cli.push('--extra-dhcp-option', `name=${o.opt_name},value=${o.opt_value}`);
    const made = await openstackCli(http.url).json<{ fixed_ips: { ip_address: string }[]; extra_dhcp_opts: { opt_name: string }[] }>(...cli);
    expect(made.extra_dhcp_opts.map((o) => o.opt_name)).toEqual(ironic.map((o) => o.opt_name));
    ports.push(made);
    for (const mac of macs.slice(1)) ports.push(await env.t.client.ports.create({ network_id: network.id, mac_address: mac, fixed_ips: [{ subnet_id: subnet.id }], extra_dhcp_opts: ironic }));
    for (const mac of macs) await expect.poll(() => agent.model.portByMac(network.id, mac), { timeout: 5000 }).toBeDefined();

    const capture = await startCapture(bridge.ifname, 'udp port 67 or udp port 68');
    const ipxe = dhclient(ipxeLink, BOOT_CLIENTS.ipxe);
    const bios = dhclient(biosLink, BOOT_CLIENTS.bios);
    const uefi = dhclient(uefiLink, BOOT_CLIENTS.uefi);
    try {
      await expect.poll(() => ipxe.leases(), { timeout: 20_000, interval: 200 }).toMatch(/fixed-address/);
      await expect.poll(() => bios.leases(), { timeout: 20_000, interval: 200 }).toMatch(/fixed-address/);
      await expect.poll(() => uefi.leases(), { timeout: 20_000, interval: 200 }).toMatch(/fixed-address/);
      // iPXE asked for 67 and 66: options (dnsmasq sends them zero-terminated, dhclient drops the zero).
      expect(ipxe.leases()).toContain(`fixed-address ${ports[0]!.fixed_ips[0]!.ip_address};`);
      expect(ipxe.leases()).toContain(`option bootfile-name "${SCRIPT}";`);
      expect(ipxe.leases()).toContain(`option tftp-server-name "${NEXT_SERVER}";`);
      expect(ipxe.leases()).not.toContain('undionly.kpxe');
      expect(ipxe.leases()).not.toContain('root-path');
      // The BIOS ROM asked for neither: the header fields, as dnsmasq fills them.
      expect(bios.leases()).toContain(`fixed-address ${ports[1]!.fixed_ips[0]!.ip_address};`);
      expect(bios.leases()).toContain('filename "undionly.kpxe";');
      expect(bios.leases()).toContain(`server-name "${NEXT_SERVER}";`);
      expect(bios.leases()).not.toContain('boot.ipxe');
      expect(bios.leases()).toContain('option root-path "/srv/pxe";');
      // The UEFI ROM: option 93 says architecture 7.
      expect(uefi.leases()).toContain('filename "snponly.efi";');
      expect(uefi.leases()).toContain('option root-path "/srv/pxe";');
    } finally {
      ipxe.stop();
      bios.stop();
      uefi.stop();
    }
    const acks = (await capture.stop()).map((r) => decodeDhcp(r.payload)).filter((m) => m.op === BootOp.Reply && messageType(m) === DhcpMessageType.Ack);
    const byMac = (mac: string) => acks.filter((m) => [...m.chaddr].map((b) => b.toString(16).padStart(2, '0')).join(':') === mac);
    for (const mac of macs) {
      expect(byMac(mac).length, `ACKs to ${mac}`).toBeGreaterThan(0);
      for (const ack of byMac(mac)) expect(formatIpv4(ack.siaddr)).toBe(NEXT_SERVER);
    }
    expect(byMac(macs[1]!).map((m) => m.file)).toContain('undionly.kpxe');
    expect(byMac(macs[0]!).every((m) => m.file === '')).toBe(true);
  });

  test('a reply whose options overflow 576 bytes reaches dhclient whole: sname and file overloaded (option 52)', async () => {
    await using bridge = await createTestBridge(1);
    const link = bridge.links[0]!;
    const agent = await env.startAgent({ agentId: 'agent-overload', interfaceMappings: { 'phys-overload': bridge.ifname } });
    const { network, subnet } = await env.network('phys-overload', { cidr: '198.18.141.0/24', allocation_pools: [{ start: '198.18.141.10', end: '198.18.141.99' }] });
    await env.bind(agent, network.id);
    const search = [1, 2, 3, 4].map((i) => `n${i}-${'a'.repeat(40)}.lab${i}.test`);
    const rootPath = `/srv/${'r'.repeat(120)}`;
    const nisDomain = 'n'.repeat(60);
    const mac = await macOf(link.ns, link.clientIf);
    await env.t.client.ports.create({
      network_id: network.id,
      mac_address: mac,
      fixed_ips: [{ subnet_id: subnet.id }],
      extra_dhcp_opts: [
        { opt_name: 'domain-search', opt_value: search.join(',') },
        { opt_name: 'root-path', opt_value: rootPath },
        { opt_name: 'nis-domain', opt_value: nisDomain },
        { opt_name: 'ntp-server', opt_value: '198.18.141.4,198.18.141.5,198.18.141.6' },
      ],
    });
    await expect.poll(() => agent.model.portByMac(network.id, mac), { timeout: 5000 }).toBeDefined();
    const capture = await startCapture(bridge.ifname, 'udp port 67 or udp port 68');
    const client = dhclient(link, ['send dhcp-max-message-size 576;', 'request subnet-mask, routers, domain-search, root-path, nis-domain, ntp-servers;']);
    try {
      await expect.poll(() => client.leases(), { timeout: 20_000, interval: 200 }).toMatch(/fixed-address/);
      const lease = client.leases();
      expect(lease).toContain(`option domain-search ${search.map((d) => `"${d}."`).join(', ')};`);
      expect(lease).toContain(`option root-path "${rootPath}";`);
      expect(lease).toContain(`option nis-domain "${nisDomain}";`);
      expect(lease).toContain('option ntp-servers 198.18.141.4,198.18.141.5,198.18.141.6;');
    } finally {
      client.stop();
    }
    const acks = (await capture.stop()).map((r) => r.payload).filter((p) => p.length > 240).map((p) => [p.length, decodeDhcp(p)] as const).filter(([, m]) => m.op === BootOp.Reply && messageType(m) === DhcpMessageType.Ack);
    expect(acks.length).toBeGreaterThan(0);
    for (const [length, ack] of acks) {
      expect(length).toBeLessThanOrEqual(576);
      expect(ack.options.find((o) => o.code === 52)).toBeDefined();
      expect(ack.options.filter((o) => o.area !== undefined).map((o) => o.code).sort()).toEqual([17, 40]);
    }
  });
});
