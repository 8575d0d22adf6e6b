import { VersionConflictError } from '@leasehold/journal';
import { testEvent } from '@leasehold/journal/testing';
import type { JournaledLease6Event } from '@leasehold/lease-actor';
import {
  Dhcp6MessageType as T,
  aggregateSubject,
  decodeDhcp6,
  encodeDhcp6,
  formatIpv6,
  getDhcp6Option,
  getDhcp6Options,
  parseIpv6,
  type Dhcp6ClientServerMessage,
  type Dhcp6Duid,
  type Dhcp6Option,
} from '@leasehold/protocol';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { AgentModel } from '../state/agent-model.js';
import type { Lease6Writer } from './lease-writer.js';
import { Dhcp6Server, type Dhcp6Arrival } from './server.js';

const CLIENT: Dhcp6Duid = { kind: 'll', hardwareType: 1, linkLayerAddress: Uint8Array.from([2, 0, 0xdb, 8, 1, 2]) };
const NOW = 1_800_000_000_000;
const ARRIVAL: Dhcp6Arrival = { ifname: 'lh6test', address: 'fe80::1%lh6test', port: 546, unicast: false };
const subnet6 = (mode: string | null, dns = ['2001:db8:1::53']) => ({
  id: 's6',
  networkId: 'net-a',
  name: '',
  cidr: '2001:db8:1::/64',
  gatewayIp: '2001:db8:1::1',
  allocationPools: [{ first: '2001:db8:1::100', last: '2001:db8:1::1ff' }],
  dnsNameservers: dns,
  hostRoutes: [],
  enableDhcp: true,
  ipv6AddressMode: mode,
  ipv6RaMode: mode,
  leaseDuration: 600,
});

/** A model with network net-a (domain lhfx.test) and one IPv6 subnet, a writer that acknowledges or fails as told, and the server on interface lh6test. */
function setup(mode: string | null = 'dhcpv6-stateful', agents: readonly string[] = ['agent-1'], dns?: string[]) {
  const model = new AgentModel();
  let seq = 0;
  const apply = (subject: string, type: string, data: unknown) => model.apply({ seq: ++seq, subject, event: testEvent('x', type, data) });
  apply(aggregateSubject('network', 'net-a'), 'NetworkCreated', { network: { id: 'net-a', name: 'a', adminStateUp: true, mtu: 1500, dnsDomain: 'lhfx.test.', availabilityZoneHints: [], physicalNetwork: null } });
  apply(aggregateSubject('network', 'net-a'), 'Subnet6Created', { subnet: subnet6(mode, dns) });
  const written: JournaledLease6Event[] = [];
  const writer = { fail: undefined as Error | undefined } as { fail: Error | undefined } & Lease6Writer;
  writer.append = async (_networkId, event) => {
    if (writer.fail) throw writer.fail;
    written.push(event);
    return 1000 + written.length;
  };
  const server = new Dhcp6Server({
    agentId: 'agent-1',
    model,
    writer,
    served: () => [{ networkId: 'net-a', ifname: 'lh6test', serverIps: new Map() }],
    liveAgents: () => agents,
    now: () => NOW,
  });
  return { model, server, writer, written };
}

const ia = (iaid: number, ...hints: string[]): Dhcp6Option => ({
  code: 3,
  value: { iaid, t1: 0, t2: 0, options: hints.map((h) => ({ code: 5, value: { address: Uint8Array.from(Buffer.from(parseIpv6(h).toString(16).padStart(32, '0'), 'hex')), preferredLifetime: 0, validLifetime: 0, options: [] } })) },
});
const message = (msgType: number, ...options: Dhcp6Option[]): Uint8Array => encodeDhcp6({ msgType, transactionId: 0x123456, options: [{ code: 1, value: CLIENT }, ...options] });
const decoded = (bytes: Uint8Array | undefined) => decodeDhcp6(bytes!) as Dhcp6ClientServerMessage;
const address = (m: Dhcp6ClientServerMessage) => getDhcp6Options(m, 3).flatMap((i) => getDhcp6Options(i, 5).map((a) => formatIpv6(BigInt(`0x${Buffer.from(a.address).toString('hex')}`))))[0];

describe('the DHCPv6 server', () => {
  test("a subnet without dns_nameservers gets the agent's own addresses in its prefix where its DNS answers, once the reconciler says so (dnsmasq's dns-server,[::]); none before", async () => {
    const { server } = setup('dhcpv6-stateful', ['agent-1'], []);
    const solicit = message(T.Solicit, { code: 6, value: [23, 24] }, ia(1));
    expect(getDhcp6Option(decoded((await server.handle(solicit, ARRIVAL))!.bytes), 23)).toBeUndefined();
    server.ownDnsServers(new Map([['net-a', ['2001:db8:1::2', '2001:db8:9::2']]]));
    const servers = getDhcp6Option(decoded((await server.handle(solicit, ARRIVAL))!.bytes), 23)!.map((b) => formatIpv6(BigInt(`0x${Buffer.from(b).toString('hex')}`)));
    expect(servers).toStrictEqual(['2001:db8:1::2']);
  });

  test('SOLICIT → ADVERTISE journals nothing; REQUEST → Lease6Bound acknowledged and folded before the REPLY with the address, DNS servers and domain; RENEW → Lease6Renewed', async () => {
    const { server, model, written } = setup();
    const advertise = await server.handle(message(T.Solicit, { code: 6, value: [23, 24] }, ia(1)), ARRIVAL);
    expect(advertise).toMatchObject({ address: 'fe80::1%lh6test', port: 546 });
    const offered = address(decoded(advertise!.bytes));
    expect(decoded(advertise!.bytes).msgType).toBe(T.Advertise);
    expect(written).toEqual([]);
    const serverId: Dhcp6Option = { code: 2, value: server.serverDuid };
    const reply = decoded((await server.handle(message(T.Request, serverId, { code: 6, value: [23, 24] }, ia(1, offered!)), ARRIVAL))!.bytes);
    expect(reply.msgType).toBe(T.Reply);
    expect(address(reply)).toBe(offered);
    expect(getDhcp6Option(reply, 24)).toEqual(['lhfx.test.']);
    expect(getDhcp6Option(reply, 23)).toHaveLength(1);
    expect(written).toMatchObject([{ type: 'Lease6Bound', ip: offered, duid: '000300010200db080102', iaid: 1, mac: '02:00:db:08:01:02', expiresAt: NOW + 600_000 }]);
    expect(model.lease6Table('net-a').binding('000300010200db080102/1')?.address).toBe(parseIpv6(offered!));
    expect(model.leaseVersion(`lh.evt.lease6.net-a.${offered}`)).toBe(1001);
    const renewed = decoded((await server.handle(message(T.Renew, serverId, ia(1, offered!)), ARRIVAL))!.bytes);
    expect(address(renewed)).toBe(offered);
    expect(written.map((e) => e.type)).toEqual(['Lease6Bound', 'Lease6Renewed']);
    expect(server.stats.counts).toMatchObject({ advertise: 1, reply: 2 });
  });

  test('no REPLY while the journal does not acknowledge: a failed write is a journal-error, a lost race a conflict, and nothing is folded', async () => {
    const { server, model, writer } = setup();
    writer.fail = new Error('no responders');
    expect(await server.handle(message(T.Solicit, { code: 14, value: true }, ia(1)), ARRIVAL)).toBeUndefined();
    writer.fail = new VersionConflictError('lh.evt.lease6.net-a.x', 0, 3);
    expect(await server.handle(message(T.Solicit, { code: 14, value: true }, ia(1)), ARRIVAL)).toBeUndefined();
    expect(server.stats.counts).toMatchObject({ 'journal-error': 1, conflict: 1, reply: 0 });
    expect(model.lease6Table('net-a').size).toBe(0);
  });

  test('a stateless subnet answers INFORMATION-REQUEST with its configuration; a slaac subnet or another interface gets nothing (counted)', async () => {
    const stateless = setup('dhcpv6-stateless');
    const info = decoded((await stateless.server.handle(encodeDhcp6({ msgType: T.InformationRequest, transactionId: 1, options: [{ code: 6, value: [23, 24] }] }), ARRIVAL))!.bytes);
    expect(getDhcp6Option(info, 24)).toEqual(['lhfx.test.']);
    expect(await stateless.server.handle(message(T.Solicit, { code: 14, value: true }, ia(1)), ARRIVAL).then((r) => getDhcp6Options(decoded(r!.bytes), 3).map((i) => getDhcp6Option(i, 13)?.status))).toEqual([2]);
    const slaac = setup('slaac');
    expect(await slaac.server.handle(message(T.Solicit, ia(1)), ARRIVAL)).toBeUndefined();
    expect(await slaac.server.handle(message(T.Solicit, ia(1)), { ...ARRIVAL, ifname: 'other' })).toBeUndefined();
    expect(slaac.server.stats.counts['no-network']).toBe(2);
  });

  test('with two live agents, each client is answered by exactly one of them (the split on its DUID)', async () => {
    const one = setup('dhcpv6-stateful', ['agent-1', 'agent-2']);
    const answered = await Promise.all(
      Array.from({ length: 16 }, (_, i) => one.server.handle(encodeDhcp6({ msgType: T.Solicit, transactionId: i, options: [{ code: 1, value: { kind: 'en', enterpriseNumber: 1, identifier: Uint8Array.of(i) } }, ia(1)] }), ARRIVAL)),
    );
    const mine = answered.filter((r) => r !== undefined).length;
    expect(mine).toBeGreaterThan(0);
    expect(mine).toBeLessThan(16);
    expect(one.server.stats.counts['not-ours']).toBe(16 - mine);
  });

  test.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: 300 })('any bytes end in a counted outcome, never a throw', async (bytes) => {
    const { server } = setup();
    await server.handle(bytes, ARRIVAL);
    expect(server.stats.received).toBe(1);
    expect(Object.values(server.stats.counts).reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('relayed DHCPv6', () => {
  test("a RELAY-FORW heard on a relay interface is answered for the network whose subnet holds the relay's link-address, in a RELAY-REPL; a client's own message there, or an unknown link, is no-network", async () => {
    const { server, written } = setup();
    const relayed = (link: string) =>
      encodeDhcp6({
        msgType: T.RelayForw,
        hopCount: 0,
        linkAddress: Uint8Array.from(Buffer.from(parseIpv6(link).toString(16).padStart(32, '0'), 'hex')),
        peerAddress: new Uint8Array(16),
        options: [{ code: 9, value: { msgType: T.Solicit, transactionId: 7, options: [{ code: 1, value: CLIENT }, { code: 14, value: true }, ia(1)] } }],
      });
    const relay = { ...ARRIVAL, ifname: 'uplink', address: 'fe80::2%uplink', port: 547, relay: true };
    const reply = await server.handle(relayed('2001:db8:1::1'), relay);
    expect(reply).toMatchObject({ address: 'fe80::2%uplink', port: 547 });
    expect(decodeDhcp6(reply!.bytes).msgType).toBe(T.RelayRepl);
    expect(written).toHaveLength(1);
    expect(await server.handle(relayed('2001:db8:9::1'), relay)).toBeUndefined();
    expect(await server.handle(message(T.Solicit, ia(1)), relay)).toBeUndefined();
    expect(server.stats.counts['no-network']).toBe(2);
  });
});

describe('IPv6 lease expiry', () => {
  test('a lease past its valid lifetime is journaled as Lease6Expired and its IA loses the binding; a live one is left', async () => {
    const { server, model, written } = setup();
    await server.handle(message(T.Solicit, { code: 14, value: true }, ia(1)), ARRIVAL);
    const [bound] = written;
    await server.expire(NOW + 599_999);
    expect(written).toHaveLength(1);
    await server.expire(NOW + 600_000);
    expect(written[1]).toEqual({ type: 'Lease6Expired', at: NOW + 600_000, ip: bound!.ip, expiresAt: NOW + 600_000 });
    expect(model.lease6Table('net-a').size).toBe(0);
  });
});
