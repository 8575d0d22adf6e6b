import { fc, test } from '@fast-check/vitest';
import { BootOp, DhcpMessageType, DhcpOptionCode, encodeDhcp, parseCidr, parseIpv4, type DhcpMessage, type NetworkState, type SubnetState } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { buildReply } from './reply-options.js';
import { ReplyTemplates, stampReplyHeader } from './reply-templates.js';

const network: NetworkState = { id: 'net-a', name: 'a', adminStateUp: true, mtu: 1450, dnsDomain: 'example.org.', availabilityZoneHints: [], physicalNetwork: null } as unknown as NetworkState;
const subnet = {
  id: 'sub-a', networkId: 'net-a', name: 'a', cidr: parseCidr('198.18.0.0/16'), gatewayIp: parseIpv4('198.18.0.1'),
  allocationPools: [], dynamicPools: [], dnsNameservers: [], hostRoutes: [{ destination: parseCidr('198.19.0.0/24'), nexthop: parseIpv4('198.18.0.254') }],
  enableDhcp: true, leaseDuration: 3600,
} as unknown as SubnetState;
const serverId = parseIpv4('198.18.0.2');

/** The server's reply to a client without a port, as reply() encodes it without a template. */
function encodeWhole(type: number, header: { xid: number; flags: number; ciaddr: number; yiaddr: number; giaddr: number; chaddr: Uint8Array }, requested: number[], maxSize: number): Uint8Array {
  const { options, boot } = buildReply({ messageType: type, serverId, network, subnet, leaseSeconds: 3600, requested, dnsFallback: serverId, metadataRouter: parseIpv4('198.18.0.2') });
  const msg: DhcpMessage = { op: BootOp.Reply, htype: 1, hops: 0, secs: 0, ...header, siaddr: boot.siaddr, sname: boot.sname, file: boot.file, options };
  return encodeDhcp(msg, { maxSize, requested, overload: requested.length > 0 });
}

const u32 = fc.nat({ max: 0xffffffff });
const codes = [DhcpOptionCode.Routers, DhcpOptionCode.DomainNameServers, DhcpOptionCode.DomainName, DhcpOptionCode.InterfaceMtu, DhcpOptionCode.BroadcastAddress, DhcpOptionCode.ClasslessStaticRoutes, 119, 249, 42, 15];

describe('reply templates (issue 19)', () => {
  test.prop([
    fc.constantFrom(DhcpMessageType.Offer, DhcpMessageType.Ack),
    fc.record({ xid: u32, flags: fc.nat({ max: 0xffff }), ciaddr: u32, yiaddr: u32, giaddr: u32 }),
    fc.constantFrom(6, 16, 0).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    fc.uniqueArray(fc.constantFrom(...codes), { maxLength: codes.length }),
    fc.constantFrom(576, 1500),
  ])('a template stamped with a client\'s header fields is byte for byte the reply encoded whole', (type, fields, chaddr, requested, maxSize) => {
    const template = encodeWhole(type, { xid: 0, flags: 0, ciaddr: 0, yiaddr: 0, giaddr: 0, chaddr: new Uint8Array(chaddr.length) }, requested, maxSize);
    const stamped = stampReplyHeader(template, { ...fields, chaddr });
    expect(stamped).toStrictEqual(encodeWhole(type, { ...fields, chaddr }, requested, maxSize));
    // The template itself is left as it was, for the next client.
    expect(stampReplyHeader(template, { xid: 0, flags: 0, ciaddr: 0, yiaddr: 0, giaddr: 0, chaddr: new Uint8Array(chaddr.length) })).toStrictEqual(template);
  });

  test('a template is built once per scope and key; a new scope (the index rebuilt) builds its own; a scope keeps a bounded number', () => {
    const templates = new ReplyTemplates();
    const scope: readonly SubnetState[] = [subnet];
    let builds = 0;
    const build = () => {
      builds++;
      return new Uint8Array([builds]);
    };
    expect(templates.get(scope, 'k', build)).toStrictEqual(new Uint8Array([1]));
    expect(templates.get(scope, 'k', build)).toStrictEqual(new Uint8Array([1]));
    expect(templates.get(scope, 'other', build)).toStrictEqual(new Uint8Array([2]));
    expect(templates.get([subnet], 'k', build)).toStrictEqual(new Uint8Array([3]));
    for (let i = 0; i < 1000; i++) templates.get(scope, `k${i}`, build);
    expect(builds).toBe(1003);
    // The first key was dropped on the way (bounded), so it is built again.
    templates.get(scope, 'k', build);
    expect(builds).toBe(1004);
  });
});
