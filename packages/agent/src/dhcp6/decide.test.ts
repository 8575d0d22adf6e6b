import { fc, test } from '@fast-check/vitest';
import {
  Dhcp6MessageType as T,
  Dhcp6StatusCode as Status,
  decodeDhcp6,
  encodeDhcp6,
  formatIpv6,
  getDhcp6Option,
  getDhcp6Options,
  ipv6ToBytes,
  parseIpv6,
  parseIpv6Prefix,
  type Dhcp6ClientServerMessage,
  type Dhcp6Duid,
  type Dhcp6Message,
  type Dhcp6Option,
  type Ipv6,
} from '@leasehold/protocol';
import { dhcp6Message } from '@leasehold/protocol/testing';
import { describe, expect } from 'vitest';
import { answerDhcp6, type Dhcp6Decision, type Dhcp6LeaseChange } from './decide.js';
import { dhcp6Identity, ipv6FromBytes, type Dhcp6LinkView } from './view.js';

const ip = parseIpv6;
const SERVER: Dhcp6Duid = { kind: 'en', enterpriseNumber: 32473, identifier: Uint8Array.from([1, 2, 3]) };
const OTHER_SERVER: Dhcp6Duid = { kind: 'en', enterpriseNumber: 32473, identifier: Uint8Array.from([9]) };
const CLIENT: Dhcp6Duid = { kind: 'll', hardwareType: 1, linkLayerAddress: Uint8Array.from([2, 0, 0xdb, 8, 1, 2]) };
const CLIENT2: Dhcp6Duid = { kind: 'llt', hardwareType: 1, time: 1, linkLayerAddress: Uint8Array.from([2, 0, 0xdb, 8, 1, 3]) };
const LEASE = 600;
const NOW = 1_800_000_000_000;

function view(over: Partial<Dhcp6LinkView> = {}): Dhcp6LinkView {
  return {
    serverDuid: SERVER,
    subnets: [
      {
        prefix: parseIpv6Prefix('2001:db8:1::/64'),
        mode: 'stateful',
        pools: [{ start: ip('2001:db8:1::100'), end: ip('2001:db8:1::1ff') }],
        dnsServers: [ip('2001:db8:1::53')],
        domainList: ['lhfx.test.'],
      },
    ],
    leaseTime: LEASE,
    rapidCommit: true,
    informationRefreshTime: 3600,
    bindings: new Map(),
    holders: new Map(),
    reservations: new Map(),
    ...over,
  };
}

const ia = (iaid: number, ...hints: string[]): Dhcp6Option => ({
  code: 3,
  value: { iaid, t1: 0, t2: 0, options: hints.map((h) => ({ code: 5, value: { address: ipv6ToBytes(ip(h)), preferredLifetime: 0, validLifetime: 0, options: [] } })) },
});
const ORO: Dhcp6Option = { code: 6, value: [23, 24] };
function msg(msgType: number, ...options: Dhcp6Option[]): Dhcp6ClientServerMessage {
  return { msgType, transactionId: 0xabcdef, options };
}
const withClient = (msgType: number, ...options: Dhcp6Option[]) => msg(msgType, { code: 1, value: CLIENT }, ...options);
const toUs = (msgType: number, ...options: Dhcp6Option[]) => withClient(msgType, { code: 2, value: SERVER }, ...options);

function answer(m: Dhcp6Message, v = view(), unicast = false): Dhcp6Decision {
  return answerDhcp6(m, v, { now: NOW, unicast });
}
function replied(decision: Dhcp6Decision): { reply: Dhcp6ClientServerMessage; changes: readonly Dhcp6LeaseChange[] } {
  if (decision.kind !== 'reply') throw new Error(`dropped: ${decision.reason}`);
  // Every reply the core builds must survive the codec unchanged.
  expect(decodeDhcp6(encodeDhcp6(decision.reply))).toStrictEqual(decision.reply);
  return decision as { reply: Dhcp6ClientServerMessage; changes: readonly Dhcp6LeaseChange[] };
}
const addresses = (m: Dhcp6ClientServerMessage) => getDhcp6Options(m, 3).flatMap((i) => getDhcp6Options(i, 5).map((a) => ipv6FromBytes(a.address)));
const iaStatus = (m: Dhcp6ClientServerMessage) => getDhcp6Options(m, 3).map((i) => getDhcp6Option(i, 13)?.status);
const inPool = (a: Ipv6) => a >= ip('2001:db8:1::100') && a <= ip('2001:db8:1::1ff');

describe('SOLICIT, REQUEST and rapid commit (RFC 8415 18.3.1, 18.3.2)', () => {
  test('a SOLICIT gets an ADVERTISE with its transaction id, both DUIDs, a pool address with T1 = 1/2 and T2 = 4/5 of the lease, and what its ORO asks for; nothing is committed', () => {
    const { reply, changes } = replied(answer(withClient(T.Solicit, ORO, ia(7))));
    expect(reply.msgType).toBe(T.Advertise);
    expect(reply.transactionId).toBe(0xabcdef);
    expect(getDhcp6Option(reply, 1)).toStrictEqual(CLIENT);
    expect(getDhcp6Option(reply, 2)).toStrictEqual(SERVER);
    const [granted] = getDhcp6Options(reply, 3);
    expect(granted).toMatchObject({ iaid: 7, t1: 300, t2: 480 });
    expect(getDhcp6Options(granted!, 5)).toMatchObject([{ preferredLifetime: LEASE, validLifetime: LEASE }]);
    expect(addresses(reply).every(inPool)).toBe(true);
    expect(getDhcp6Option(reply, 23)).toEqual([ipv6ToBytes(ip('2001:db8:1::53'))]);
    expect(getDhcp6Option(reply, 24)).toEqual(['lhfx.test.']);
    expect(changes).toEqual([]);
  });

  test('the REQUEST that follows gets the advertised address in a REPLY, and the binding (DUID + IAID) is the change to journal first', () => {
    const advertised = addresses(replied(answer(withClient(T.Solicit, ia(7)))).reply);
    const hint = advertised.map(formatIpv6);
    const { reply, changes } = replied(answer(toUs(T.Request, ia(7, ...hint))));
    expect(reply.msgType).toBe(T.Reply);
    expect(addresses(reply)).toEqual(advertised);
    expect(changes).toEqual([{ kind: 'bind', identity: dhcp6Identity(CLIENT, 7), duid: CLIENT, iaid: 7, address: advertised[0], validUntil: NOW + LEASE * 1000, message: 'request', source: 'requested' }]);
  });

  test('each bind names its message and the rule that chose the address: pool, the client\'s hint, its binding, its static port', () => {
    const rapid = (v = view(), ...options: Dhcp6Option[]) => replied(answer(withClient(T.Solicit, { code: 14, value: true }, ...options), v)).changes;
    expect(rapid(view(), ia(1))).toMatchObject([{ message: 'solicit', source: 'pool' }]);
    expect(rapid(view(), ia(1, '2001:db8:1::150'))).toMatchObject([{ message: 'solicit', source: 'requested', address: ip('2001:db8:1::150') }]);
    const bound = ip('2001:db8:1::1aa');
    const held = view({ bindings: new Map([[dhcp6Identity(CLIENT, 1), { address: bound, validUntil: NOW + 1 }]]), holders: new Map([[bound, dhcp6Identity(CLIENT, 1)]]) });
    expect(rapid(held, ia(1, '2001:db8:1::150'))).toMatchObject([{ source: 'current', address: bound }]);
    const fixed = ip('2001:db8:1::10');
    expect(rapid(view({ reservations: new Map([['02:00:db:08:01:02', fixed]]), holders: new Map([[fixed, 'port:p1']]) }), ia(1))).toMatchObject([{ source: 'fixed', address: fixed }]);
    expect(replied(answer(toUs(T.Renew, ia(1, '2001:db8:1::1aa')), held)).changes).toMatchObject([{ message: 'renew', source: 'current' }]);
    expect(replied(answer(withClient(T.Rebind, ia(1, '2001:db8:1::1aa')), held)).changes).toMatchObject([{ message: 'rebind', source: 'current' }]);
  });

  test('a client FQDN (option 39) names the bind by its first label and is answered with S set, O set when the client wanted to update, under the link\'s domain', () => {
    const fqdn = (flags: number, ...labels: string[]): Dhcp6Option => ({ code: 39, raw: Uint8Array.from([flags, ...labels.flatMap((l) => [l.length, ...Buffer.from(l)]), 0]) });
    const { reply, changes } = replied(answer(withClient(T.Solicit, { code: 14, value: true }, ia(1), fqdn(0x01, 'VM-6', 'elsewhere', 'example'))));
    expect(changes).toMatchObject([{ hostname: 'vm-6' }]);
    const answered = reply.options.find((o) => o.code === 39) as { raw: Uint8Array };
    expect([...answered.raw]).toEqual([0x01, 4, ...Buffer.from('vm-6'), 4, ...Buffer.from('lhfx'), 4, ...Buffer.from('test'), 0]);
    const noUpdate = replied(answer(withClient(T.Solicit, { code: 14, value: true }, ia(1), fqdn(0x00, 'vm-6')))).reply.options.find((o) => o.code === 39) as { raw: Uint8Array };
    expect(noUpdate.raw[0]).toBe(0x03);
    // N (no update), a label that is no host name, or a truncated option: no name, no option 39, the lease all the same.
    for (const bad of [fqdn(0x04, 'vm-6'), fqdn(0x01, 'vm_6'), fqdn(0x01, '-vm'), { code: 39, raw: Uint8Array.from([0x01, 9, 0x61]) }]) {
      const d = replied(answer(withClient(T.Solicit, { code: 14, value: true }, ia(1), bad)));
      expect(d.changes).toHaveLength(1);
      expect(d.changes[0]).not.toHaveProperty('hostname');
      expect(d.reply.options.some((o) => o.code === 39)).toBe(false);
    }
  });

  test('the same SOLICIT is advertised the same address every time, and two IAs of one client get two addresses', () => {
    const first = addresses(replied(answer(withClient(T.Solicit, ia(1)))).reply);
    expect(addresses(replied(answer(withClient(T.Solicit, ia(1)))).reply)).toEqual(first);
    const two = addresses(replied(answer(withClient(T.Solicit, ia(1), ia(2)))).reply);
    expect(new Set(two).size).toBe(2);
  });

  test('with RAPID_COMMIT and the server allowing it, the SOLICIT is answered with a committed REPLY carrying RAPID_COMMIT; without permission, an ADVERTISE', () => {
    const rapid = replied(answer(withClient(T.Solicit, { code: 14, value: true }, ia(1))));
    expect(rapid.reply.msgType).toBe(T.Reply);
    expect(getDhcp6Option(rapid.reply, 14)).toBe(true);
    expect(rapid.changes.map((c) => c.kind)).toEqual(['bind']);
    const refused = replied(answer(withClient(T.Solicit, { code: 14, value: true }, ia(1)), view({ rapidCommit: false })));
    expect(refused.reply.msgType).toBe(T.Advertise);
    expect(getDhcp6Option(refused.reply, 14)).toBeUndefined();
    expect(refused.changes).toEqual([]);
  });

  test('with every pool address held by others, the IA carries NoAddrsAvail and no address (18.3.1: the IA, not the message), and nothing is bound', () => {
    const pool = { start: ip('2001:db8:1::100'), end: ip('2001:db8:1::101') };
    const full = view({
      subnets: [{ ...view().subnets[0]!, pools: [pool] }],
      holders: new Map([[pool.start, 'someone/1'], [pool.end, 'port:p1']]),
    });
    for (const type of [T.Solicit, T.Request]) {
      const { reply, changes } = replied(answer(type === T.Solicit ? withClient(type, ia(1)) : toUs(type, ia(1)), full));
      expect(addresses(reply)).toEqual([]);
      expect(iaStatus(reply)).toEqual([Status.NoAddrsAvail]);
      expect(getDhcp6Options(reply, 3)[0]).toMatchObject({ t1: 0, t2: 0 });
      expect(changes).toEqual([]);
    }
  });

  test('an IA with a binding keeps its address whatever it hints; a free hint in the pool is honoured; a hint outside the pool is not', () => {
    const bound = ip('2001:db8:1::1aa');
    const v = view({ bindings: new Map([[dhcp6Identity(CLIENT, 1), { address: bound, validUntil: NOW + 1 }]]), holders: new Map([[bound, dhcp6Identity(CLIENT, 1)]]) });
    expect(addresses(replied(answer(toUs(T.Request, ia(1, '2001:db8:1::150')), v)).reply)).toEqual([bound]);
    expect(addresses(replied(answer(toUs(T.Request, ia(2, '2001:db8:1::150')), v)).reply)).toEqual([ip('2001:db8:1::150')]);
    const outside = addresses(replied(answer(toUs(T.Request, ia(2, '2001:db8:1::5')), v)).reply);
    expect(outside.every(inPool)).toBe(true);
  });

  test('a REQUEST naming an address off the client\'s link gets that IA back with NotOnLink and binds nothing for it; a SOLICIT\'s off-link hint is ignored', () => {
    const { reply, changes } = replied(answer(toUs(T.Request, ia(1, '2001:db8:9::5'), ia(2))));
    expect(getDhcp6Options(reply, 3).map((i) => [i.iaid, getDhcp6Option(i, 13)?.status, getDhcp6Options(i, 5).length])).toEqual([[1, Status.NotOnLink, 0], [2, undefined, 1]]);
    expect(changes.map((c) => c.kind === 'bind' && c.iaid)).toEqual([2]);
    expect(addresses(replied(answer(withClient(T.Solicit, ia(1, '2001:db8:9::5')))).reply).every(inPool)).toBe(true);
  });

  test('a static port is matched by the MAC in the client\'s DUID-LL or DUID-LLT: its client gets the port\'s address, no other client ever does', () => {
    const fixed = ip('2001:db8:1::10');
    const v = view({ reservations: new Map([['02:00:db:08:01:02', fixed]]), holders: new Map([[fixed, 'port:p1']]) });
    expect(addresses(replied(answer(toUs(T.Request, ia(1)), v)).reply)).toEqual([fixed]);
    const other = { ...toUs(T.Request, ia(1, '2001:db8:1::10')), options: [{ code: 1, value: CLIENT2 }, { code: 2, value: SERVER }, ia(1, '2001:db8:1::10')] } as Dhcp6ClientServerMessage;
    const theirs = addresses(replied(answer(other, v)).reply);
    expect(theirs).not.toContain(fixed);
    expect(theirs.every(inPool)).toBe(true);
  });

  test('a client whose DUID carries no MAC (DUID-EN) is matched to its static port by the runtime\'s MAC when direct, by the relay\'s CLIENT_LINKLAYER_ADDR when relayed', () => {
    const fixed = ip('2001:db8:1::10');
    const v = view({ reservations: new Map([['02:00:db:08:01:09', fixed]]), holders: new Map([[fixed, 'port:p9']]) });
    const enClient = (type: number, ...options: Dhcp6Option[]) => msg(type, { code: 1, value: OTHER_SERVER }, { code: 2, value: SERVER }, ...options);
    const direct = (mac?: string) => answerDhcp6(enClient(T.Request, ia(1)), v, { now: NOW, unicast: false, clientMac: mac });
    expect(addresses(replied(direct('02:00:db:08:01:09')).reply)).toEqual([fixed]);
    expect(addresses(replied(direct()).reply)).not.toContain(fixed);
    const forw = (lla: Dhcp6Option[]): Dhcp6Message => ({
      msgType: T.RelayForw,
      hopCount: 0,
      linkAddress: ipv6ToBytes(ip('2001:db8:1::1')),
      peerAddress: ipv6ToBytes(ip('fe80::1')),
      options: [...lla, { code: 9, value: enClient(T.Request, ia(1)) }],
    });
    const relayed = (lla: Dhcp6Option[], clientMac?: string) => {
      const d = answerDhcp6(forw(lla), v, { now: NOW, unicast: true, clientMac });
      if (d.kind !== 'reply') throw new Error(d.reason);
      return addresses(getDhcp6Option(d.reply, 9) as Dhcp6ClientServerMessage);
    };
    expect(relayed([{ code: 79, value: { linkLayerType: 1, address: Uint8Array.from([2, 0, 0xdb, 8, 1, 9]) } }])).toEqual([fixed]);
    // Behind a relay the runtime's MAC is the relay's own, never the client's.
    expect(relayed([], '02:00:db:08:01:09')).not.toContain(fixed);
  });

  test('IA_TA gets NoAddrsAvail: this server hands out no temporary addresses', () => {
    const { reply } = replied(answer(withClient(T.Solicit, ia(1), { code: 4, value: { iaid: 1, options: [] } })));
    expect(getDhcp6Option(getDhcp6Option(reply, 4)!, 13)?.status).toBe(Status.NoAddrsAvail);
    expect(addresses(reply)).toHaveLength(1);
  });
});

describe('RENEW, REBIND, RELEASE, DECLINE, CONFIRM, INFORMATION-REQUEST (RFC 8415 18.3.3–18.3.8)', () => {
  const bound = ip('2001:db8:1::1aa');
  const boundView = view({ bindings: new Map([[dhcp6Identity(CLIENT, 1), { address: bound, validUntil: NOW + 1000 }]]), holders: new Map([[bound, dhcp6Identity(CLIENT, 1)]]) });

  test('RENEW of a bound IA extends it (a bind change with a new end) and gives lifetimes 0 to any other address the client still lists', () => {
    const { reply, changes } = replied(answer(toUs(T.Renew, ia(1, '2001:db8:1::1aa', '2001:db8:1::1bb')), boundView));
    const given = getDhcp6Options(getDhcp6Options(reply, 3)[0]!, 5).map((a) => [ipv6FromBytes(a.address), a.validLifetime]);
    expect(given).toEqual([[bound, LEASE], [ip('2001:db8:1::1bb'), 0]]);
    expect(changes).toMatchObject([{ kind: 'bind', address: bound, validUntil: NOW + LEASE * 1000 }]);
  });

  test('RENEW of an IA the server has no binding for gets NoBinding in that IA and changes nothing', () => {
    const { reply, changes } = replied(answer(toUs(T.Renew, ia(9, '2001:db8:1::1aa')), boundView));
    expect(iaStatus(reply)).toEqual([Status.NoBinding]);
    expect(changes).toEqual([]);
  });

  test('REBIND of a bound IA is extended like RENEW; without a binding, an on-link address gets no reply and an off-link one lifetimes 0', () => {
    const rebind = (...options: Dhcp6Option[]) => withClient(T.Rebind, ...options);
    expect(replied(answer(rebind(ia(1, '2001:db8:1::1aa')), boundView)).changes).toMatchObject([{ kind: 'bind', address: bound }]);
    expect(answer(rebind(ia(9, '2001:db8:1::1ab')), boundView)).toEqual({ kind: 'drop', reason: 'rebind-without-binding' });
    const { reply, changes } = replied(answer(rebind(ia(9, '2001:db8:7::5')), boundView));
    expect(getDhcp6Options(getDhcp6Options(reply, 3)[0]!, 5).map((a) => a.validLifetime)).toEqual([0]);
    expect(changes).toEqual([]);
  });

  test('RELEASE and DECLINE give the bound address back (release / decline changes) with Success, and NoBinding for an IA the server does not know', () => {
    for (const [type, kind] of [[T.Release, 'release'], [T.Decline, 'decline']] as const) {
      const { reply, changes } = replied(answer(toUs(type, ia(1, '2001:db8:1::1aa'), ia(5, '2001:db8:1::1ac')), boundView));
      expect(changes).toEqual([{ kind, identity: dhcp6Identity(CLIENT, 1), address: bound }]);
      expect(getDhcp6Option(reply, 13)?.status).toBe(Status.Success);
      expect(getDhcp6Options(reply, 3).map((i) => [i.iaid, getDhcp6Option(i, 13)?.status])).toEqual([[5, Status.NoBinding]]);
    }
  });

  test('CONFIRM says Success when every address is on the client\'s link, NotOnLink otherwise, and is not answered without addresses', () => {
    const confirm = (...options: Dhcp6Option[]) => withClient(T.Confirm, ...options);
    expect(getDhcp6Option(replied(answer(confirm(ia(1, '2001:db8:1::1aa')))).reply, 13)?.status).toBe(Status.Success);
    expect(getDhcp6Option(replied(answer(confirm(ia(1, '2001:db8:1::1aa', '2001:db8:9::1')))).reply, 13)?.status).toBe(Status.NotOnLink);
    expect(answer(confirm(ia(1)))).toEqual({ kind: 'drop', reason: 'confirm-without-addresses' });
  });

  test('INFORMATION-REQUEST (stateless) gets DNS servers, domain list and the refresh time, no address; with an IA it is dropped', () => {
    const stateless = view({ subnets: [{ ...view().subnets[0]!, mode: 'stateless', pools: [] }] });
    const { reply, changes } = replied(answer(withClient(T.InformationRequest, ORO), stateless));
    expect(reply.options.map((o) => o.code)).toEqual([1, 2, 23, 24, 32]);
    expect(getDhcp6Option(reply, 32)).toBe(3600);
    expect(changes).toEqual([]);
    expect(answer(msg(T.InformationRequest, ORO), stateless).kind).toBe('reply');
    expect(answer(withClient(T.InformationRequest, ia(1)), stateless)).toEqual({ kind: 'drop', reason: 'ia-in-information-request' });
  });

  test('a stateless subnet hands out no address: a SOLICIT there gets NoAddrsAvail', () => {
    const stateless = view({ subnets: [{ ...view().subnets[0]!, mode: 'stateless', pools: [] }] });
    expect(iaStatus(replied(answer(withClient(T.Solicit, ia(1)), stateless)).reply)).toEqual([Status.NoAddrsAvail]);
  });
});

describe('what is dropped or refused (RFC 8415 sections 16 and 18.4)', () => {
  test.each<[string, Dhcp6ClientServerMessage, string]>([
    ['a SOLICIT without CLIENTID', msg(T.Solicit, ia(1)), 'no-client-id'],
    ['a SOLICIT naming a server', toUs(T.Solicit, ia(1)), 'server-id-present'],
    ['a REQUEST without SERVERID', withClient(T.Request, ia(1)), 'no-server-id'],
    ['a REQUEST for another server', withClient(T.Request, { code: 2, value: OTHER_SERVER }, ia(1)), 'not-our-server-id'],
    ['an ADVERTISE from another server', toUs(T.Advertise), 'server-message'],
    ['a leasequery', withClient(14), 'unsupported-message-type'],
  ])('%s is dropped', (_, m, reason) => {
    expect(answer(m)).toEqual({ kind: 'drop', reason });
  });

  test('a SOLICIT sent to our unicast address is dropped; a unicast REQUEST gets UseMulticast and binds nothing', () => {
    expect(answer(withClient(T.Solicit, ia(1)), view(), true)).toEqual({ kind: 'drop', reason: 'unicast-not-allowed' });
    const { reply, changes } = replied(answer(toUs(T.Request, ia(1)), view(), true));
    expect(reply.options.map((o) => o.code)).toEqual([1, 2, 13]);
    expect(getDhcp6Option(reply, 13)?.status).toBe(Status.UseMulticast);
    expect(changes).toEqual([]);
  });
});

describe('relayed messages (RFC 8415 section 19)', () => {
  const LINK = ipv6ToBytes(ip('2001:db8:1::1'));
  const PEER = ipv6ToBytes(ip('fe80::dbff:fe08:102'));
  const forw = (inner: Dhcp6Message, link = LINK, hopCount = 0): Dhcp6Message => ({
    msgType: T.RelayForw,
    hopCount,
    linkAddress: link,
    peerAddress: PEER,
    options: [{ code: 18, value: Uint8Array.from([1, 0, 0, 0]) }, { code: 9, value: inner }],
  });

  test('a RELAY-FORW is answered with a RELAY-REPL echoing hop count, link, peer and interface id around the ADVERTISE, even when it came by unicast', () => {
    const decision = answer(forw(withClient(T.Solicit, ia(1))), view(), true);
    if (decision.kind !== 'reply') throw new Error(decision.reason);
    expect(decision.reply).toMatchObject({ msgType: T.RelayRepl, hopCount: 0, linkAddress: LINK, peerAddress: PEER });
    expect(getDhcp6Option(decision.reply, 18)).toEqual(Uint8Array.from([1, 0, 0, 0]));
    const inner = getDhcp6Option(decision.reply, 9) as Dhcp6ClientServerMessage;
    expect(inner.msgType).toBe(T.Advertise);
    expect(addresses(inner).every(inPool)).toBe(true);
    expect(decodeDhcp6(encodeDhcp6(decision.reply))).toStrictEqual(decision.reply);
  });

  test('the link comes from the relay closest to the client that names one (a lightweight relay leaves it zero); an unknown link is dropped', () => {
    const twoRelays = forw(forw(withClient(T.Solicit, ia(1)), new Uint8Array(16), 0), LINK, 1);
    const decision = answer(twoRelays);
    if (decision.kind !== 'reply') throw new Error(decision.reason);
    const outer = decision.reply;
    expect(outer).toMatchObject({ msgType: T.RelayRepl, hopCount: 1 });
    expect(getDhcp6Option(getDhcp6Option(outer, 9)!, 9)!.msgType).toBe(T.Advertise);
    expect(answer(forw(withClient(T.Solicit, ia(1)), ipv6ToBytes(ip('2001:db8:99::1'))))).toEqual({ kind: 'drop', reason: 'unknown-link' });
    expect(answer({ ...(forw(withClient(T.Solicit)) as object), msgType: T.RelayRepl } as Dhcp6Message)).toEqual({ kind: 'drop', reason: 'relay-reply-received' });
  });
});

describe('properties', () => {
  const pool = { start: ip('2001:db8:1::100'), end: ip('2001:db8:1::10f') };
  const small = view({ subnets: [{ ...view().subnets[0]!, pools: [pool] }] });
  const address = fc.integer({ min: 0, max: 0x1f }).map((n) => ipv6ToBytes(ip('2001:db8:1::100') + BigInt(n)));
  const clientDuid = fc.constantFrom<Dhcp6Duid>(CLIENT, CLIENT2);
  const iaNa = fc.record({ iaid: fc.integer({ min: 0, max: 3 }), hints: fc.array(address, { maxLength: 2 }) }).map(
    ({ iaid, hints }): Dhcp6Option => ({ code: 3, value: { iaid, t1: 0, t2: 0, options: hints.map((a) => ({ code: 5, value: { address: a, preferredLifetime: 0, validLifetime: 0, options: [] } })) } }),
  );
  const clientMessage = fc
    .record({
      type: fc.constantFrom(T.Solicit, T.Request, T.Confirm, T.Renew, T.Rebind, T.Release, T.Decline, T.InformationRequest),
      duid: clientDuid,
      server: fc.constantFrom<Dhcp6Duid | undefined>(SERVER, undefined, OTHER_SERVER),
      ias: fc.array(iaNa, { maxLength: 4 }),
      rapid: fc.boolean(),
    })
    .map(({ type, duid, server, ias, rapid }): Dhcp6ClientServerMessage => msg(type, { code: 1, value: duid }, ...(server ? [{ code: 2, value: server } as Dhcp6Option] : []), ...(rapid ? [{ code: 14, value: true } as const] : []), ORO, ...ias));
  /** Some pool addresses held by the two clients' IAs or by ports. */
  const holders = fc.array(fc.tuple(address, fc.constantFrom(dhcp6Identity(CLIENT, 0), dhcp6Identity(CLIENT2, 1), 'port:p')), { maxLength: 12 });

  test.prop([clientMessage, holders], { numRuns: 500 })(
    'no decision binds an address held by someone else, two IAs to one address, or an address outside the pools; every reply encodes',
    (m, held) => {
      const v = { ...small, holders: new Map(held.map(([a, who]) => [ipv6FromBytes(a), who])) };
      const decision = answer(m, v);
      if (decision.kind === 'drop') return;
      expect(decodeDhcp6(encodeDhcp6(decision.reply))).toStrictEqual(decision.reply);
      const binds = decision.changes.filter((c) => c.kind === 'bind');
      expect(new Set(binds.map((c) => c.address)).size).toBe(binds.length);
      for (const c of binds) {
        expect(c.address >= pool.start && c.address <= pool.end).toBe(true);
        const holder = v.holders.get(c.address);
        expect(holder === undefined || holder === c.identity).toBe(true);
      }
    },
  );

  test.prop([dhcp6Message({ maxRelays: 2 }), fc.boolean()], { numRuns: 500 })('any decodable message gets a decision, never a throw, and any reply it makes encodes', (m, unicast) => {
    const decision = answerDhcp6(m, view(), { now: NOW, unicast });
    if (decision.kind === 'reply') expect(() => encodeDhcp6(decision.reply)).not.toThrow();
  });
});
