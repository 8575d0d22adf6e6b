/**
 * The decision core against real clients: every client message in protocol's
 * DHCPv6 fixtures (dhclient -6, rapid commit, stateless, dhcpcd -6, and
 * dhclient behind dhcrelay -6; see packages/protocol/fixtures/README.md) is
 * answered with a view built from the capture script's dnsmasq configuration,
 * and the answer is compared with what dnsmasq 2.90 answered in the capture:
 * the same message type, the same IAs granted or refused, addresses from
 * the same subnet, the same DNS servers and domain list, rapid commit, and
 * the same relay fields. dnsmasq's extras (PREFERENCE 255, a Success status
 * in every reply) are not required. One difference is by design: dnsmasq
 * grants dhclient's IA_TA a temporary address, this server answers it with
 * NoAddrsAvail.
 */
import { readFileSync } from 'node:fs';
import {
  Dhcp6MessageType as T,
  decodeDhcp6,
  getDhcp6Option,
  getDhcp6Options,
  isDhcp6Relay,
  parseIpv6,
  parseIpv6Prefix,
  readPcap,
  type Dhcp6ClientServerMessage,
  type Dhcp6Message,
} from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { answerDhcp6 } from './decide.js';
import { dhcp6Identity, ipv6FromBytes, type Dhcp6Binding, type Dhcp6LinkView, type Dhcp6SubnetView } from './view.js';

const fixture = (file: string) => readPcap(new Uint8Array(readFileSync(new URL(`../../../protocol/fixtures/${file}`, import.meta.url))));

/** capture-dhcp6.sh's dnsmasq: its DUID-EN, the two ranges, DNS servers, domain search, 10 minute leases. */
const subnet = (n: number): Dhcp6SubnetView => ({
  prefix: parseIpv6Prefix(`2001:db8:${n}::/64`),
  mode: 'stateful',
  pools: [{ start: parseIpv6(`2001:db8:${n}::100`), end: parseIpv6(`2001:db8:${n}::1ff`) }],
  dnsServers: [parseIpv6('2001:db8:1::53'), parseIpv6('2001:db8:1::54')],
  domainList: ['lhfx.test.', 'sub.lhfx.test.'],
});

function linkView(subnets: Dhcp6SubnetView[], bindings: Map<string, Dhcp6Binding>): Dhcp6LinkView {
  return {
    serverDuid: { kind: 'en', enterpriseNumber: 32473, identifier: Uint8Array.from(Buffer.from('lhfx6')) },
    subnets,
    leaseTime: 600,
    rapidCommit: true,
    informationRefreshTime: 600,
    bindings,
    holders: new Map([...bindings].map(([identity, b]) => [b.address, identity])),
    reservations: new Map(),
  };
}

const innermost = (m: Dhcp6Message): Dhcp6ClientServerMessage => (isDhcp6Relay(m) ? innermost(getDhcp6Option(m, 9)!) : m);
const iaSummary = (m: Dhcp6ClientServerMessage) =>
  getDhcp6Options(m, 3).map((ia) => ({ iaid: ia.iaid, subnets: getDhcp6Options(ia, 5).map((a) => (ipv6FromBytes(a.address) >> 64n).toString(16)) }));

/** Remembers what dnsmasq granted, so RELEASE finds the binding it releases. */
function remember(bindings: Map<string, Dhcp6Binding>, reply: Dhcp6ClientServerMessage): void {
  const duid = getDhcp6Option(reply, 1);
  if (duid === undefined) return;
  for (const ia of getDhcp6Options(reply, 3)) {
    const [address] = getDhcp6Options(ia, 5);
    if (address !== undefined) bindings.set(dhcp6Identity(duid, ia.iaid), { address: ipv6FromBytes(address.address), validUntil: Date.now() + 600_000 });
  }
}

function compare(ours: Dhcp6ClientServerMessage, theirs: Dhcp6ClientServerMessage, asked: Dhcp6ClientServerMessage): void {
  expect(ours.msgType).toBe(theirs.msgType);
  expect(ours.transactionId).toBe(theirs.transactionId);
  expect(getDhcp6Option(ours, 1)).toStrictEqual(getDhcp6Option(theirs, 1));
  expect(getDhcp6Option(ours, 2)).toStrictEqual(getDhcp6Option(theirs, 2));
  expect(iaSummary(ours)).toEqual(iaSummary(theirs));
  expect(getDhcp6Option(ours, 14)).toBe(getDhcp6Option(theirs, 14));
  const oro = getDhcp6Option(asked, 6) ?? [];
  for (const code of [23, 24] as const) if (oro.includes(code)) expect(getDhcp6Option(ours, code), `option ${code}`).toEqual(getDhcp6Option(theirs, code));
  for (const ta of getDhcp6Options(asked, 4)) {
    expect(getDhcp6Options(ours, 4).find((o) => o.iaid === ta.iaid)?.options).toEqual([expect.objectContaining({ code: 13, value: expect.objectContaining({ status: 2 }) })]);
  }
  if (asked.msgType === T.Release) expect(getDhcp6Option(ours, 13)?.status).toBe(getDhcp6Option(theirs, 13)?.status);
}

describe('answers to the real clients of the DHCPv6 fixtures, against dnsmasq 2.90\'s', () => {
  test.each(['dhcp6-dhclient.pcap', 'dhcp6-rapid.pcap', 'dhcp6-stateless.pcap', 'dhcp6-dhcpcd.pcap'])('%s: each client message gets the answer dnsmasq gave, in shape', (file) => {
    const messages = fixture(file).map((r) => decodeDhcp6(r.payload) as Dhcp6ClientServerMessage);
    const bindings = new Map<string, Dhcp6Binding>();
    expect(messages.length % 2).toBe(0);
    for (let i = 0; i < messages.length; i += 2) {
      const [asked, theirs] = [messages[i]!, messages[i + 1]!];
      const decision = answerDhcp6(asked, linkView([subnet(1)], bindings), { now: Date.now(), unicast: false });
      if (decision.kind !== 'reply') throw new Error(`${file} message ${i}: dropped (${decision.reason})`);
      compare(decision.reply as Dhcp6ClientServerMessage, theirs, asked);
      remember(bindings, theirs);
    }
  });

  test('dhcp6-relayed.pcap: each RELAY-FORW gets a RELAY-REPL like dnsmasq\'s (link, peer, hop count, interface id) around the same answer', () => {
    const records = fixture('dhcp6-relayed.pcap');
    const bindings = new Map<string, Dhcp6Binding>();
    for (let i = 0; i < records.length; i += 4) {
      const forw = decodeDhcp6(records[i + 1]!.payload);
      const repl = decodeDhcp6(records[i + 2]!.payload);
      const decision = answerDhcp6(forw, linkView([subnet(1), subnet(2)], bindings), { now: Date.now(), unicast: true });
      if (decision.kind !== 'reply') throw new Error(`exchange ${i / 4}: dropped (${decision.reason})`);
      const ours = decision.reply;
      if (!isDhcp6Relay(ours) || !isDhcp6Relay(repl)) throw new Error('expected relay messages');
      expect({ msgType: ours.msgType, hopCount: ours.hopCount, link: ours.linkAddress, peer: ours.peerAddress }).toEqual({
        msgType: repl.msgType,
        hopCount: repl.hopCount,
        link: repl.linkAddress,
        peer: repl.peerAddress,
      });
      expect(getDhcp6Option(ours, 18)).toEqual(getDhcp6Option(repl, 18));
      compare(innermost(ours), innermost(repl), innermost(forw));
      remember(bindings, innermost(repl));
    }
  });
});
