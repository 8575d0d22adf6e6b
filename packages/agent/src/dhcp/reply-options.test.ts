import { fc, test } from '@fast-check/vitest';
import {
  BootOp,
  DhcpMessageType,
  decodeDhcp,
  dhcpOptionCode,
  encodeClasslessRoutes,
  encodeDhcp,
  findOption,
  formatIpv4,
  parseCidr,
  parseIpv4,
  prefixToMask,
  type ClasslessRoute,
  type DhcpMessage,
  type DhcpOption,
  type ExtraDhcpOpt,
  type NetworkState,
  type PortState,
  type SubnetState,
} from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import type { ExtraDhcpOptError } from './option-names.js';
import { buildReply, ReplyOptionsError, type ReplyOptionsInput } from './reply-options.js';

const buildReplyOptions = (input: ReplyOptionsInput): DhcpOption[] => buildReply(input).options;

const ip = parseIpv4;
const { Offer, Ack } = DhcpMessageType;

const network: NetworkState = {
  id: 'net-1',
  name: 'private',
  adminStateUp: true,
  mtu: 1450,
  dnsDomain: 'example.org.',
  availabilityZoneHints: [],
  physicalNetwork: 'physnet1',
};

const subnet: SubnetState = {
  id: 'sub-1',
  networkId: 'net-1',
  name: 'private-v4',
  cidr: parseCidr('198.18.0.0/24'),
  gatewayIp: ip('198.18.0.1'),
  allocationPools: [{ first: ip('198.18.0.10'), last: ip('198.18.0.99') }],
  dynamicPools: [{ first: ip('198.18.0.100'), last: ip('198.18.0.200') }],
  dnsNameservers: [ip('198.18.255.53'), ip('198.18.255.54')],
  hostRoutes: [{ destination: parseCidr('198.19.0.0/16'), nexthop: ip('198.18.0.254') }],
  enableDhcp: true,
  leaseDuration: 86400,
};

const port = (extraDhcpOpts: ExtraDhcpOpt[] = [], dnsName = 'vm1'): PortState => ({
  id: 'port-1',
  networkId: 'net-1',
  name: 'vm1-port',
  macAddress: 'fa:16:3e:00:00:01',
  fixedIps: [{ subnetId: 'sub-1', ipAddress: ip('198.18.0.11') }],
  dnsName,
  extraDhcpOpts,
  deviceOwner: 'compute:nova',
  deviceId: 'vm-1',
  adminStateUp: true,
});

/** dhclient's default request list (Debian 12). */
const DHCLIENT = [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42];
const SERVER = ip('198.18.0.2');

const base: ReplyOptionsInput = {
  messageType: Ack,
  serverId: SERVER,
  network,
  subnet,
  leaseSeconds: 86400,
  requested: DHCLIENT,
  dnsFallback: SERVER,
};

const build = (over: Partial<ReplyOptionsInput> = {}) => buildReplyOptions({ ...base, ...over });
const codes = (options: readonly DhcpOption[]) => options.map((o) => o.code);
const get = (options: readonly DhcpOption[], code: number): unknown => {
  const o = options.find((x) => x.code === code);
  return o === undefined ? undefined : 'value' in o ? o.value : o.raw;
};
const route = (cidr: string, router: string): ClasslessRoute => {
  const c = parseCidr(cidr);
  return { destination: c.address, prefix: c.prefix, router: ip(router) };
};

describe('reply options from a subnet, network and port', () => {
  test('dhclient asking for its usual list gets the mandatory options first, then its own order', () => {
    const options = build({ port: port() });
    expect(codes(options)).toStrictEqual([53, 54, 51, 58, 59, 1, 28, 3, 15, 6, 119, 12, 26, 121]);
    expect(options).toStrictEqual([
      { code: 53, value: Ack },
      { code: 54, value: SERVER },
      { code: 51, value: 86400 },
      { code: 58, value: 43200 },
      { code: 59, value: 75600 },
      { code: 1, value: ip('255.255.255.0') },
      { code: 28, value: ip('198.18.0.255') },
      { code: 3, value: [ip('198.18.0.1')] },
      { code: 15, value: 'example.org' },
      { code: 6, value: [ip('198.18.255.53'), ip('198.18.255.54')] },
      { code: 119, value: ['example.org.'] },
      { code: 12, value: 'vm1' },
      { code: 26, value: 1450 },
      { code: 121, value: [route('198.19.0.0/16', '198.18.0.254'), route('0.0.0.0/0', '198.18.0.1')] },
    ]);
  });

  test('an infinite lease (Neutron -1 or 0xFFFFFFFF) sends 0xFFFFFFFF and no T1 or T2', () => {
    for (const leaseSeconds of [-1, 0xffffffff]) {
      const options = build({ leaseSeconds, requested: [1, 3] });
      expect(codes(options)).toStrictEqual([53, 54, 51, 1, 3]);
      expect(get(options, 51)).toBe(0xffffffff);
    }
  });

  test('an answer to INFORM carries no lease times (RFC 2131 section 4.3.5)', () => {
    expect(codes(build({ leaseSeconds: undefined, requested: [3, 6] }))).toStrictEqual([53, 54, 1, 3, 6]);
  });

  test('an OFFER without a lease time, another message type or a negative lease is refused', () => {
    expect(() => build({ messageType: Offer, leaseSeconds: undefined })).toThrow(ReplyOptionsError);
    expect(() => build({ messageType: DhcpMessageType.Nak })).toThrow(ReplyOptionsError);
    expect(() => build({ leaseSeconds: -2 })).toThrow(ReplyOptionsError);
  });

  test('the subnet mask is sent even when the client did not ask for it', () => {
    expect(codes(build({ requested: [6] }))).toStrictEqual([53, 54, 51, 58, 59, 1, 6]);
  });

  test('a subnet without a gateway sends no router, and 121 has no default route', () => {
    const options = build({ subnet: { ...subnet, gatewayIp: null } });
    expect(get(options, 3)).toBeUndefined();
    expect(get(options, 121)).toStrictEqual([route('198.19.0.0/16', '198.18.0.254')]);
  });

  test('without a gateway, a 0.0.0.0/0 host route gives the router, as Neutron does', () => {
    const hostRoutes = [...subnet.hostRoutes, { destination: parseCidr('0.0.0.0/0'), nexthop: ip('198.18.0.5') }];
    const options = build({ subnet: { ...subnet, gatewayIp: null, hostRoutes } });
    expect(get(options, 3)).toStrictEqual([ip('198.18.0.5')]);
    expect(get(options, 121)).toStrictEqual([route('198.19.0.0/16', '198.18.0.254'), route('0.0.0.0/0', '198.18.0.5')]);
  });

  test('with only a gateway and no other routes, 121 is not sent (Neutron sends it only with host routes)', () => {
    const options = build({ subnet: { ...subnet, hostRoutes: [] } });
    expect(get(options, 121)).toBeUndefined();
    expect(get(options, 3)).toStrictEqual([ip('198.18.0.1')]);
  });

  test('249 carries the same routes as 121, only for a client that asks for it', () => {
    const routes = [route('198.19.0.0/16', '198.18.0.254'), route('0.0.0.0/0', '198.18.0.1')];
    expect(get(build({ requested: [121, 249] }), 249)).toStrictEqual(encodeClasslessRoutes(routes));
    expect(get(build(), 249)).toBeUndefined();
  });

  test('other subnets on the link become on-link routes (router 0.0.0.0) before the host routes', () => {
    const options = build({ onLinkCidrs: [parseCidr('198.18.1.0/24'), subnet.cidr] });
    expect(get(options, 121)).toStrictEqual([route('198.18.1.0/24', '0.0.0.0'), route('198.19.0.0/16', '198.18.0.254'), route('0.0.0.0/0', '198.18.0.1')]);
  });

  test('isolated metadata: 169.254.169.254/32 via the DHCP port after the host routes, with the default route RFC 3442 needs, in 121 and 249', () => {
    const routes = [route('198.19.0.0/16', '198.18.0.254'), route('169.254.169.254/32', '198.18.0.2'), route('0.0.0.0/0', '198.18.0.1')];
    const options = build({ metadataRouter: SERVER, requested: [121, 249] });
    expect(get(options, 121)).toStrictEqual(routes);
    expect(get(options, 249)).toStrictEqual(encodeClasslessRoutes(routes));
    // A subnet with no other route: 121 is sent for the metadata route alone, the default route with it.
    expect(get(build({ metadataRouter: SERVER, subnet: { ...subnet, hostRoutes: [] } }), 121)).toStrictEqual([route('169.254.169.254/32', '198.18.0.2'), route('0.0.0.0/0', '198.18.0.1')]);
  });

  test("a subnet's own host route to 169.254.169.254/32 wins over the metadata route", () => {
    const hostRoutes = [{ destination: parseCidr('169.254.169.254/32'), nexthop: ip('198.18.0.7') }];
    expect(get(build({ metadataRouter: SERVER, subnet: { ...subnet, hostRoutes } }), 121)).toStrictEqual([route('169.254.169.254/32', '198.18.0.7'), route('0.0.0.0/0', '198.18.0.1')]);
  });

  test('DNS servers: the subnet\'s, else the fallback, none for Neutron\'s ["0.0.0.0"], and 0.0.0.0 in a list is the server', () => {
    expect(get(build({ subnet: { ...subnet, dnsNameservers: [] } }), 6)).toStrictEqual([SERVER]);
    expect(get(build({ subnet: { ...subnet, dnsNameservers: [] }, dnsFallback: undefined }), 6)).toBeUndefined();
    expect(get(build({ subnet: { ...subnet, dnsNameservers: [0] } }), 6)).toBeUndefined();
    expect(get(build({ subnet: { ...subnet, dnsNameservers: [0, ip('198.18.255.99')] } }), 6)).toStrictEqual([SERVER, ip('198.18.255.99')]);
  });

  test("DNS servers of a subnet that lists none: this server first, then the network's other DHCP servers on the subnet (Neutron's dnsmasq driver); a subnet's own list wins", () => {
    const peers = [ip('198.18.0.3'), SERVER, ip('198.18.0.4')];
    expect(get(build({ subnet: { ...subnet, dnsNameservers: [] }, dnsPeers: peers }), 6)).toStrictEqual([SERVER, ip('198.18.0.3'), ip('198.18.0.4')]);
    expect(get(build({ subnet: { ...subnet, dnsNameservers: [ip('198.18.255.99')] }, dnsPeers: peers }), 6)).toStrictEqual([ip('198.18.255.99')]);
    expect(get(build({ subnet: { ...subnet, dnsNameservers: [0] }, dnsPeers: peers }), 6)).toBeUndefined();
  });

  test('an empty dns domain sends neither 15 nor 119', () => {
    const options = build({ network: { ...network, dnsDomain: '' } });
    expect(codes(options)).not.toContain(15);
    expect(codes(options)).not.toContain(119);
  });

  test('the host name is the port\'s dns name unless given, and "" sends none', () => {
    expect(get(build({ port: port([], 'web-1') }), 12)).toBe('web-1');
    expect(get(build({ port: port([], 'web-1'), hostname: 'other' }), 12)).toBe('other');
    expect(get(build({ port: port([], 'web-1'), hostname: '' }), 12)).toBeUndefined();
    expect(get(build(), 12)).toBeUndefined();
  });

  test('a /31 or /32 subnet gets no broadcast address (RFC 3021)', () => {
    expect(get(build({ subnet: { ...subnet, cidr: parseCidr('198.18.0.0/31') } }), 28)).toBeUndefined();
    expect(get(build({ subnet: { ...subnet, cidr: parseCidr('198.18.0.0/30') } }), 28)).toBe(ip('198.18.0.3'));
  });

  test('a client without option 55 gets the usual set and the port\'s options, 66 and 67 in the sname and file fields (dnsmasq)', () => {
    const options = build({ requested: [], port: port([{ optName: 'tftp-server', optValue: 'boot.example' }, { optName: 'ntp-server', optValue: '198.18.0.123' }]) });
    expect(codes(options)).toStrictEqual([53, 54, 51, 58, 59, 1, 3, 6, 15, 26, 28, 121, 42]);
  });

  test('option 82 is echoed last and option 61 just before it', () => {
    const relay = [{ code: 1, data: new Uint8Array([0, 4, 0, 1, 0, 0]) }];
    const clientId = new Uint8Array([1, 2, 0, 0, 0, 0, 1]);
    const options = build({ requested: [3], relayAgentInfo: relay, clientIdentifier: clientId });
    expect(options.slice(-2)).toStrictEqual([
      { code: 61, value: clientId },
      { code: 82, value: relay },
    ]);
  });
});

describe("a port's extra_dhcp_opts", () => {
  test('override the computed value of the same code, and 121 follows a new router', () => {
    const options = build({ port: port([{ optName: 'router', optValue: '198.18.0.3' }, { optName: '26', optValue: '9000' }]) });
    expect(get(options, 3)).toStrictEqual([ip('198.18.0.3')]);
    expect(get(options, 26)).toBe(9000);
    expect(get(options, 121)).toStrictEqual([route('198.19.0.0/16', '198.18.0.254'), route('0.0.0.0/0', '198.18.0.3')]);
  });

  test('an empty router removes option 3 and the default route from 121', () => {
    const options = build({ port: port([{ optName: 'router', optValue: '' }]) });
    expect(get(options, 3)).toBeUndefined();
    expect(get(options, 121)).toStrictEqual([route('198.19.0.0/16', '198.18.0.254')]);
  });

  test("a port's own 121 replaces the subnet's routes and gets the default route when it lacks one", () => {
    const options = build({ port: port([{ optName: 'classless-static-route', optValue: '169.254.169.254/32,198.18.0.2' }]) });
    expect(get(options, 121)).toStrictEqual([route('169.254.169.254/32', '198.18.0.2'), route('0.0.0.0/0', '198.18.0.1')]);
  });

  test('are sent only when asked for, unless forced', () => {
    const extra = [
      { optName: 'tftp-server', optValue: 'boot.example' },
      { optName: 'force:bootfile-name', optValue: 'pxelinux.0' },
      { optName: '150', optValue: '198.18.0.9' },
    ];
    expect(codes(build({ requested: [3, 150], port: port(extra) }))).toStrictEqual([53, 54, 51, 58, 59, 1, 3, 150, 67]);
  });

  test('T1 and T2 are taken when they keep T1 <= T2 <= lease, and ignored otherwise', () => {
    expect(get(build({ port: port([{ optName: 'T1', optValue: '600' }]) }), 58)).toBe(600);
    const bad = build({ port: port([{ optName: 'T1', optValue: '80000' }]) });
    expect([get(bad, 58), get(bad, 59)]).toStrictEqual([43200, 75600]);
  });

  test('an invalid entry is reported and skipped, and the rest still apply', () => {
    const errors: ExtraDhcpOptError[] = [];
    const options = build({
      port: port([{ optName: 'router', optValue: 'not-an-address' }, { optName: 'mtu', optValue: '1400' }]),
      onInvalidExtraOpt: (e) => errors.push(e),
    });
    expect(errors.map((e) => e.optName)).toStrictEqual(['router']);
    expect(get(options, 3)).toStrictEqual([ip('198.18.0.1')]);
    expect(get(options, 26)).toBe(1400);
  });

  test('the same port object gives the same answer on every call, with 0.0.0.0 as the server of that call', () => {
    const p = port([{ optName: 'ntp-server', optValue: '0.0.0.0' }, { optName: 'mtu', optValue: 'x' }]);
    const errors: string[] = [];
    const first = build({ port: p, requested: [42], onInvalidExtraOpt: (e) => errors.push(e.optName) });
    const again = build({ port: p, requested: [42], onInvalidExtraOpt: (e) => errors.push(e.optName) });
    const other = build({ port: p, requested: [42], serverId: ip('198.18.0.3') });
    expect(again).toStrictEqual(first);
    expect(errors).toStrictEqual(['mtu', 'mtu']);
    expect([get(first, 42), get(other, 42)]).toStrictEqual([[SERVER], [ip('198.18.0.3')]]);
  });

  test('pre-parsed extra options take the place of the port\'s own', () => {
    const options = build({ port: port([{ optName: 'mtu', optValue: '1400' }]), extraOptions: [{ code: 26, force: false, option: { code: 26, value: 1300 } }] });
    expect(get(options, 26)).toBe(1300);
  });
});

// ---- properties ----

const ipv4 = fc.integer({ min: 1, max: 0xfffffffe });
const cidrArb = fc.record({ address: ipv4, prefix: fc.integer({ min: 8, max: 32 }) }).map((c) => ({ address: (c.address & prefixToMask(c.prefix)) >>> 0, prefix: c.prefix }));
const label = fc.stringMatching(/^[a-z0-9]{1,10}$/);

const subnetArb: fc.Arbitrary<SubnetState> = fc
  .record({
    cidr: cidrArb,
    gatewayIp: fc.option(ipv4, { nil: null }),
    dnsNameservers: fc.array(fc.oneof(ipv4, fc.constant(0)), { maxLength: 4 }),
    hostRoutes: fc.array(fc.record({ destination: fc.oneof(cidrArb, fc.constant({ address: 0, prefix: 0 })), nexthop: ipv4 }), { maxLength: 5 }),
  })
  .map((s) => ({ ...subnet, ...s }));

const networkArb: fc.Arbitrary<NetworkState> = fc
  .record({ mtu: fc.oneof(fc.constant(0), fc.integer({ min: 68, max: 9000 })), dnsDomain: fc.array(label, { maxLength: 3 }).map((ls) => (ls.length ? `${ls.join('.')}.` : '')) })
  .map((n) => ({ ...network, ...n }));

const extraArb: fc.Arbitrary<ExtraDhcpOpt> = fc
  .tuple(
    fc.boolean(),
    fc.constantFrom<[string, fc.Arbitrary<string>]>(
      ['router', fc.array(ipv4, { maxLength: 3 }).map((l) => l.map(formatIpv4).join(','))],
      ['dns-server', fc.constantFrom('198.18.2.53', '0.0.0.0,198.18.2.54', '')],
      ['mtu', fc.constantFrom('1400', '9000', '')],
      ['tftp-server', fc.constantFrom('boot.example', '')],
      ['150', fc.constantFrom('198.18.2.9')],
      ['classless-static-route', fc.constantFrom('169.254.169.254/32,198.18.0.2', '198.19.0.0/16,198.18.0.7,0.0.0.0/0,198.18.0.8', '')],
      ['249', fc.constantFrom('198.19.0.0/16,198.18.0.7')],
      ['domain-search', fc.constantFrom('a.example,b.example', '')],
      ['T1', fc.constantFrom('100', '1h')],
      ['ntp-server', fc.constantFrom('198.18.2.123')],
      ['bad-name', fc.constantFrom('1')],
    ),
  )
  .chain(([force, [name, value]]) => value.map((v) => ({ optName: `${force ? 'force:' : ''}${name}`, optValue: String(v) })));

const inputArb: fc.Arbitrary<ReplyOptionsInput> = fc
  .record({
    messageType: fc.constantFrom(Offer, Ack),
    serverId: ipv4,
    network: networkArb,
    subnet: subnetArb,
    extra: fc.option(fc.array(extraArb, { maxLength: 5 }), { nil: undefined }),
    lease: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 0xffffffff })),
    inform: fc.boolean(),
    hostname: fc.option(label, { nil: undefined }),
    requested: fc.oneof(fc.constant([]), fc.uniqueArray(fc.integer({ min: 1, max: 254 }), { maxLength: 30 }), fc.shuffledSubarray([1, 3, 6, 12, 15, 26, 28, 42, 66, 67, 119, 121, 150, 249])),
    relay: fc.option(fc.array(fc.record({ code: fc.integer({ min: 1, max: 255 }), data: fc.uint8Array({ maxLength: 16 }) }, { noNullPrototype: true }), { maxLength: 3 }), { nil: undefined }),
    clientId: fc.option(fc.uint8Array({ minLength: 2, maxLength: 16 }), { nil: undefined }),
    dnsFallback: fc.option(ipv4, { nil: undefined }),
  })
  .map((r) => ({
    messageType: r.messageType,
    serverId: r.serverId,
    network: r.network,
    subnet: r.subnet,
    ...(r.extra ? { port: port(r.extra) } : {}),
    leaseSeconds: r.inform && r.messageType === Ack ? undefined : r.lease,
    ...(r.hostname === undefined ? {} : { hostname: r.hostname }),
    requested: r.requested,
    ...(r.relay ? { relayAgentInfo: r.relay } : {}),
    ...(r.clientId ? { clientIdentifier: r.clientId } : {}),
    dnsFallback: r.dnsFallback,
  }));

const MANDATORY = new Set([53, 54, 51, 58, 59, 1, 61, 82]);
const forcedCodes = (input: ReplyOptionsInput) =>
  (input.port?.extraDhcpOpts ?? []).filter((o) => o.optName.startsWith('force:')).map((o) => dhcpOptionCode(o.optName.slice('force:'.length)) ?? -1);

const encodeReply = (options: DhcpOption[], requested: readonly number[]): DhcpMessage =>
  decodeDhcp(
    encodeDhcp(
      { op: BootOp.Reply, htype: 1, hops: 0, xid: 7, secs: 0, flags: 0, ciaddr: 0, yiaddr: ip('198.18.0.11'), siaddr: 0, giaddr: 0, chaddr: new Uint8Array(6), sname: '', file: '', options },
      { maxSize: 576, requested },
    ),
  );

describe('laws of the reply options', () => {
  test.prop([inputArb], { numRuns: 300 })('a client with option 55 gets no option it did not ask for, except mandatory and forced ones', (input) => {
    fc.pre(input.requested.length > 0);
    const allowed = new Set([...MANDATORY, ...input.requested, ...forcedCodes(input)]);
    for (const code of codes(buildReplyOptions(input))) expect(allowed.has(code), `option ${code}`).toBe(true);
  });

  test.prop([inputArb], { numRuns: 300 })('whenever 121 is sent and there is a router, 121 holds a default route, via the router of option 3 unless the port set its own', (input) => {
    const options = buildReplyOptions({ ...input, requested: [...input.requested, 3, 121] });
    const routes = get(options, 121) as ClasslessRoute[] | undefined;
    const routers = get(options, 3) as number[] | undefined;
    if (routes === undefined || routers === undefined || routers.length === 0) return;
    const defaults = routes.filter((r) => r.prefix === 0);
    expect(defaults.length).toBeGreaterThan(0);
    const ownRoutes = input.port?.extraDhcpOpts.some((o) => o.optName.endsWith('classless-static-route') && o.optValue !== '');
    if (!ownRoutes) expect(defaults.map((r) => r.router)).toStrictEqual([routers[0]]);
  });

  test.prop([inputArb], { numRuns: 300 })('53 comes first, then 54, the lease times and 1; 82 comes last; no code appears twice', (input) => {
    const c = codes(buildReplyOptions(input));
    const lease = input.leaseSeconds === undefined ? [] : input.leaseSeconds === -1 || input.leaseSeconds === 0xffffffff ? [51] : [51, 58, 59];
    expect(c.slice(0, 3 + lease.length)).toStrictEqual([53, 54, ...lease, 1]);
    if (input.relayAgentInfo) expect(c.at(-1)).toBe(82);
    expect(new Set(c).size).toBe(c.length);
  });

  test.prop([inputArb], { numRuns: 300 })('the reply encoded within 576 bytes decodes back to the options kept, in order, with 53, 54 and 1', (input) => {
    const options = buildReplyOptions(input);
    const decoded = encodeReply(options, input.requested);
    for (const code of [53, 54, 1]) expect(findOption(decoded, code)).toBeDefined();
    const kept = new Set(codes(decoded.options));
    expect(decoded.options).toStrictEqual(options.filter((o) => kept.has(o.code)));
  });
});
