/**
 * Network boot in a reply: the client's classes pick a port's `tag:`
 * entries, 66/67 travel in sname/file or as options as dnsmasq sends them,
 * siaddr names the next server, and a long option set overloads sname/file.
 */
import { BootOp, DhcpMessageType, decodeDhcp, encodeDhcp, findOption, parseCidr, parseIpv4, type DhcpMessage, type DhcpOption, type ExtraDhcpOpt, type NetworkState, type PortState, type SubnetState } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { clientClassRules, clientTags } from './client-classes.js';
import { buildReply, type ReplyOptionsInput } from './reply-options.js';

const ip = parseIpv4;
const SERVER = ip('198.18.0.2');
const network = { id: 'net-1', name: 'ironic', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null } as NetworkState;
const subnet = {
  id: 'sub-1',
  networkId: 'net-1',
  name: 'prov',
  cidr: parseCidr('198.18.0.0/24'),
  gatewayIp: ip('198.18.0.1'),
  allocationPools: [],
  dynamicPools: [],
  dnsNameservers: [],
  hostRoutes: [],
  enableDhcp: true,
  leaseDuration: 3600,
} as unknown as SubnetState;
const port = (extraDhcpOpts: ExtraDhcpOpt[]): PortState =>
  ({ id: 'port-1', networkId: 'net-1', name: 'node-1', macAddress: '02:00:00:00:00:01', fixedIps: [], dnsName: '', extraDhcpOpts, deviceOwner: 'baremetal:none', deviceId: 'node-1', adminStateUp: true }) as PortState;

/** What Ironic's neutron DHCP provider sets on a node's port for iPXE (ironic/common/pxe_utils.py). */
const IRONIC: ExtraDhcpOpt[] = [
  { optName: 'tag:!ipxe,bootfile-name', optValue: 'undionly.kpxe' },
  { optName: 'tag:ipxe,bootfile-name', optValue: 'http://198.18.0.3:8080/boot.ipxe' },
  { optName: 'tftp-server', optValue: '198.18.0.3' },
  { optName: 'server-ip-address', optValue: '198.18.0.3' },
  { optName: 'tftp-server-address', optValue: '198.18.0.3' },
];

const request = (options: DhcpOption[]): DhcpMessage => ({
  op: BootOp.Request, htype: 1, hops: 0, xid: 7, secs: 0, flags: 0, ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: 0,
  chaddr: Uint8Array.of(2, 0, 0, 0, 0, 1), sname: '', file: '', options: [{ code: 53, value: DhcpMessageType.Request }, ...options],
});
/** A BIOS PXE ROM: vendor class PXEClient, architecture 0, and its usual request list (66 and 67 among it). */
const BIOS_PXE = request([{ code: 60, value: 'PXEClient:Arch:00000:UNDI:002001' }, { code: 93, raw: Uint8Array.of(0, 0) }, { code: 55, value: [1, 3, 6, 43, 54, 60, 66, 67, 150] }]);
/** iPXE: option 175 and user class iPXE. */
const IPXE = request([{ code: 77, raw: Uint8Array.from('iPXE', (c) => c.charCodeAt(0)) }, { code: 175, raw: Uint8Array.of(19, 1, 1) }, { code: 55, value: [1, 3, 6, 66, 67, 150, 175] }]);

/** The reply the server would send this client: buildReply, then the header and encoder as server.ts uses them. */
function replyTo(client: DhcpMessage, extra: ExtraDhcpOpt[], over: Partial<ReplyOptionsInput> = {}): DhcpMessage {
  const requested = (findOption(client, 55) as { value: number[] } | undefined)?.value ?? [];
  const { options, boot } = buildReply({ messageType: DhcpMessageType.Ack, serverId: SERVER, network, subnet, port: port(extra), leaseSeconds: 3600, requested, tags: clientTags(client, clientClassRules()), ...over });
  const out: DhcpMessage = { ...client, op: BootOp.Reply, yiaddr: ip('198.18.0.50'), siaddr: boot.siaddr, sname: boot.sname, file: boot.file, options };
  return decodeDhcp(encodeDhcp(out, { maxSize: 576, requested, overload: requested.length > 0 }));
}
const text = (msg: DhcpMessage, code: number) => {
  const o = findOption(msg, code);
  return o === undefined ? undefined : 'value' in o ? o.value : String.fromCharCode(...o.raw);
};

describe('network boot replies', () => {
  test("Ironic's ports: a BIOS PXE ROM gets undionly.kpxe, iPXE gets the script, both the TFTP server in 66 and 150 and siaddr", () => {
    const bios = replyTo(BIOS_PXE, IRONIC);
    const ipxe = replyTo(IPXE, IRONIC);
    // Both asked for 67: it is an option, zero-terminated as dnsmasq sends it for buggy PXE ROMs.
    expect(text(bios, 67)).toBe('undionly.kpxe\0');
    expect(text(ipxe, 67)).toBe('http://198.18.0.3:8080/boot.ipxe\0');
    for (const reply of [bios, ipxe]) {
      expect(reply.siaddr).toBe(ip('198.18.0.3'));
      expect(text(reply, 66)).toBe('198.18.0.3\0');
      expect(findOption(reply, 150)).toEqual({ code: 150, raw: Uint8Array.of(198, 18, 0, 3) });
      expect([reply.file, reply.sname]).toEqual(['', '']);
    }
  });

  test('a client that did not ask for 66 and 67 (or sent no option 55) gets them in the sname and file fields, and no option', () => {
    const plain = request([{ code: 55, value: [1, 3, 6] }]);
    const reply = replyTo(plain, IRONIC);
    expect([reply.file, reply.sname]).toEqual(['undionly.kpxe', '198.18.0.3']);
    expect(findOption(reply, 67)).toBeUndefined();
    expect(findOption(reply, 66)).toBeUndefined();
    const bootp = replyTo(request([]), IRONIC);
    expect(bootp.file).toBe('undionly.kpxe');
  });

  test('siaddr is this server when a boot file goes out without server-ip-address, and 0 without a boot file', () => {
    expect(replyTo(BIOS_PXE, [{ optName: 'bootfile-name', optValue: 'pxelinux.0' }]).siaddr).toBe(SERVER);
    expect(replyTo(BIOS_PXE, [{ optName: 'ntp-server', optValue: '198.18.0.4' }]).siaddr).toBe(0);
    expect(replyTo(BIOS_PXE, [{ optName: 'tag:ipxe,server-ip-address', optValue: '198.18.0.9' }, { optName: 'bootfile-name', optValue: 'x' }]).siaddr).toBe(SERVER);
    expect(replyTo(IPXE, [{ optName: 'tag:ipxe,server-ip-address', optValue: '198.18.0.9' }]).siaddr).toBe(ip('198.18.0.9'));
  });

  test('a forced boot file, or one too long for the file field, is an option even unasked', () => {
    const plain = request([{ code: 55, value: [1, 3] }]);
    expect(text(replyTo(plain, [{ optName: 'force:bootfile-name', optValue: 'pxelinux.0' }]), 67)).toBe('pxelinux.0\0');
    const long = `http://198.18.0.3/${'a'.repeat(150)}`;
    const reply = replyTo(plain, [{ optName: 'bootfile-name', optValue: long }]);
    expect(reply.file).toBe('');
    expect(text(reply, 67)).toBe(`${long}\0`);
  });

  test('a long option set that overflows 576 bytes overloads file and sname (option 52) rather than losing options', () => {
    const many: ExtraDhcpOpt[] = [
      { optName: 'domain-search', optValue: Array.from({ length: 9 }, (_, i) => `zone${i}.lab.example.org`).join(',') },
      { optName: 'root-path', optValue: `/srv/${'r'.repeat(120)}` },
      { optName: 'nis-domain', optValue: 'n'.repeat(60) },
      { optName: 'ntp-server', optValue: '198.18.0.4,198.18.0.5,198.18.0.6' },
      { optName: 'tag:ipxe,bootfile-name', optValue: 'http://198.18.0.3:8080/boot.ipxe' },
    ];
    const asked = request([{ code: 77, raw: Uint8Array.from('iPXE', (c) => c.charCodeAt(0)) }, { code: 175, raw: Uint8Array.of(19) }, { code: 55, value: [1, 3, 6, 119, 17, 40, 42, 67] }]);
    const reply = replyTo(asked, many);
    expect(findOption(reply, 52)).toBeDefined();
    expect(reply.options.filter((o) => o.area !== undefined).length).toBeGreaterThan(0);
    for (const code of [119, 17, 40, 42, 67]) expect(findOption(reply, code), `option ${code}`).toBeDefined();
    expect(text(reply, 67)).toBe('http://198.18.0.3:8080/boot.ipxe\0');
    expect(encodeDhcp(reply).length).toBeLessThanOrEqual(576);
  });
});
