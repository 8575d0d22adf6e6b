import { describe, expect, test } from 'vitest';
import { ConfigFileError } from './errors.js';
import { loadConfig } from './load.js';
import { agentSettings, checkConfig, dnsCacheConfig, schedulerSettings } from './resolve.js';

const load = (text: string, env: NodeJS.ProcessEnv = {}) => loadConfig({ file: 'lh.yaml', read: () => text, env });
const messageOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigFileError) return error.message;
    throw error;
  }
  return 'no error';
};

describe('client classes (agent.dhcp_match, dhcp_userclass, dhcp_vendorclass)', () => {
  test("dnsmasq's lines reach the agent in order, and a line dnsmasq refuses is reported at its line", () => {
    const agent = agentSettings(load('agent:\n  dhcp_match: ["set:efi64,option:client-arch,7"]\n  dhcp_userclass: ["set:ipxe,iPXE"]\n  dhcp_vendorclass: ["set:pxe,PXEClient"]\n'));
    expect(agent.dhcpClientClasses).toStrictEqual([
      ['dhcp-match', 'set:efi64,option:client-arch,7'],
      ['dhcp-userclass', 'set:ipxe,iPXE'],
      ['dhcp-vendorclass', 'set:pxe,PXEClient'],
    ]);
    expect(messageOf(() => load('agent:\n  dhcp_match:\n    - set:ipxe,175\n    - set:efi64,option:client-arc,7\n'))).toMatch(/^lh\.yaml:4: agent\.dhcp_match\.1: .*not a DHCP option name/);
    expect(load('', { LEASEHOLD_AGENT_DHCP_MATCH: 'set:ipxe,175;set:efi64,93,7' }).config.agent.dhcp_match).toStrictEqual(['set:ipxe,175', 'set:efi64,93,7']);
  });
});

describe('router advertisements (agent.ipv6_ra)', () => {
  test("off by default; dnsmasq's enable-ra for every network or a list (also from the environment), the interval and the default-router setting reach the agent; an interval under RFC 4861's 4 s is refused", () => {
    expect(agentSettings(load('')).ipv6Ra).toStrictEqual({ enabled: false, maxIntervalS: 600, defaultRouter: false });
    expect(agentSettings(load('agent:\n  ipv6_ra:\n    enabled: [lab, demo]\n    max_interval: 30\n    default_router: true\n')).ipv6Ra).toStrictEqual({ enabled: ['lab', 'demo'], maxIntervalS: 30, defaultRouter: true });
    expect(agentSettings(load('', { LEASEHOLD_AGENT_IPV6_RA_ENABLED: 'true' })).ipv6Ra.enabled).toBe(true);
    expect(messageOf(() => load('agent:\n  ipv6_ra:\n    max_interval: 3\n'))).toMatch(/agent\.ipv6_ra\.max_interval/);
  });
});

describe('dns section', () => {
  test('goes through the dnsmasq option parser: lists repeat the option, true is a bare flag, false leaves it out', () => {
    const dns = dnsCacheConfig(
      load(`dns:
  server: [198.18.255.1, "/corp.example/198.18.1.53#5353"]
  address: /ads.example/
  host-record: "gw.example.org,198.18.0.1"
  cache-size: 1000
  no-resolv: true
  strict-order: false
`),
    );
    expect(dns.servers).toEqual([{ address: '198.18.255.1', port: 53, family: 4 }]);
    expect(dns.domainServers).toEqual([{ domain: 'corp.example', server: { address: '198.18.1.53', port: 5353, family: 4 } }]);
    expect(dns.addresses).toEqual([{ domain: 'ads.example', ip: undefined }]);
    expect(dns.hostRecords).toEqual([{ names: ['gw.example.org'], ipv4: ['198.18.0.1'], ipv6: [], ttl: undefined }]);
    expect(dns).toMatchObject({ cacheSize: 1000, noResolv: true, strictOrder: false });
  });

  test("issue 24's DNSSEC options: dnssec, trust-anchor (a list), dnssec-check-unsigned's \"no\" and dnssec-no-timecheck; a bad anchor at its line", () => {
    const dns = dnsCacheConfig(
      load(`dns:
  dnssec: true
  trust-anchor:
    - ".,20326,8,2,E06D44B8"
    - "signed.test,1,13,2,abcd"
  dnssec-check-unsigned: "no"
  dnssec-no-timecheck: true
`),
    );
    expect(dns).toMatchObject({ dnssec: true, dnssecCheckUnsigned: false, dnssecNoTimecheck: true });
    expect(dns.trustAnchors.map((a) => [a.domain, a.keyTag])).toEqual([['', 20326], ['signed.test', 1]]);
    expect(messageOf(() => dnsCacheConfig(load('dns:\n  trust-anchor: "signed.test,1,13"\n')))).toBe('lh.yaml:2: dns.trust-anchor: bad trust anchor');
  });

  test("issue 24's options: filterwin2k, synth-domain, rev-server, alias, dns-loop-detect, health-check and max-fails", () => {
    const dns = dnsCacheConfig(
      load(`dns:
  filterwin2k: true
  dns-loop-detect: true
  synth-domain: "lan,198.18.7.0/24,host-"
  rev-server: "198.18.5.0/24,198.18.255.1"
  alias: "198.18.5.0,198.19.0.0,255.255.255.0"
  health-check: 250
  max-fails: 3
`),
    );
    expect(dns).toMatchObject({ filterwin2k: true, dnsLoopDetect: true, healthCheckMs: 250, maxFails: 3 });
    expect(dns.synthDomains).toEqual([{ domain: 'lan', family: 4, start: '198.18.7.0', end: '198.18.7.255', prefixLength: undefined, prefix: 'host-', indexed: false }]);
    expect(dns.domainServers).toEqual([{ domain: '5.18.198.in-addr.arpa', server: { address: '198.18.255.1', port: 53, family: 4 } }]);
    expect(dns.aliases).toEqual([{ start: '198.18.5.0', end: undefined, to: '198.19.0.0', mask: '255.255.255.0' }]);
    expect(messageOf(() => dnsCacheConfig(load('dns:\n  alias: "198.18.0.1"\n')))).toBe('lh.yaml:2: dns.alias: missing address in alias');
  });

  test("a bad dns value is reported at the line of the list entry, in dnsmasq's words", () => {
    const text = 'dns:\n  server:\n    - 198.18.255.1\n    - not-an-address\n';
    expect(messageOf(() => dnsCacheConfig(load(text)))).toBe('lh.yaml:4: dns.server: bad address');
    expect(messageOf(() => dnsCacheConfig(load('dns:\n  cache-sise: 10\n')))).toBe('lh.yaml:2: dns.cache-sise: unknown option (did you mean cache-size?)');
    expect(messageOf(() => dnsCacheConfig(load('dns:\n  no-resolv: maybe\n')))).toBe('lh.yaml:2: dns.no-resolv: is a flag: true or false');
    expect(messageOf(() => dnsCacheConfig(load('', { LEASEHOLD_DNS_SERVER: '198.18.255.1 nope' })))).toBe('environment LEASEHOLD_DNS_SERVER: dns.server: bad address');
  });
});

describe('scheduler and agent settings', () => {
  test('durations in seconds become the milliseconds the parts take', () => {
    const loaded = load('api:\n  agent_down_time: 20\nagent:\n  report_interval: 4\n  agent_id: a1\n  dns:\n    port: 0\nscheduler:\n  network_scheduler: chance\n');
    expect(schedulerSettings(loaded)).toMatchObject({ agentDownTime: 20_000, reportInterval: 4_000, strategy: 'chance' });
    expect(agentSettings(loaded)).toMatchObject({ agentId: 'a1', agentDownTimeMs: 20_000, reportIntervalMs: 4_000, dns: { enabled: true, port: 0 } });
  });

  test("the agent's packet queue takes its capacity, its max age in seconds and its in-flight bound; unset, the agent's defaults", () => {
    const loaded = load('agent:\n  dhcp_queue:\n    capacity: 64\n    max_age: 0.5\n    max_in_flight: 32\n');
    expect(agentSettings(loaded).dhcpQueue).toStrictEqual({ capacity: 64, maxAgeMs: 500, maxInFlight: 32 });
    expect(agentSettings(load('')).dhcpQueue).toStrictEqual({ capacity: 2048, maxAgeMs: 500, maxInFlight: 1024 });
  });

  test("VLAN networks take the template's interface, VXLAN networks the underlay, VTEPs and port given; unset, the agent's defaults; a bad address is reported at its line", () => {
    expect(agentSettings(load('')).segments).toStrictEqual({ vxlan: { remotes: [], port: 4789 } });
    const loaded = load('agent:\n  vlan_interface_template: "{physical}.{vid}"\n  vxlan:\n    interface: eth2\n    local_ip: 198.18.9.1\n    remotes: [198.18.9.2, 198.18.9.3]\n    port: 8472\n');
    expect(agentSettings(loaded).segments).toStrictEqual({
      vlanInterfaceTemplate: '{physical}.{vid}',
      vxlan: { local: '198.18.9.1', interface: 'eth2', remotes: ['198.18.9.2', '198.18.9.3'], port: 8472 },
    });
    expect(messageOf(() => load('agent:\n  vxlan:\n    remotes: [198.18.9.300]\n'))).toBe('lh.yaml:3: agent.vxlan.remotes.0: is not an IPv4 address');
  });

  test("the domain of names of networks without a dns_domain is Neutron's openstacklocal unless agent.dns.domain sets it; a bad one is reported at its line", () => {
    expect(agentSettings(load('')).dns.domain).toBe('openstacklocal');
    expect(agentSettings(load('agent:\n  dns:\n    domain: cloud.example.\n')).dns.domain).toBe('cloud.example.');
    expect(messageOf(() => load('agent:\n  dns:\n    domain: "not a domain"\n'))).toBe('lh.yaml:3: agent.dns.domain: is not a domain name');
  });

  test("the scheduler's cross-field rule is reported at the field's line", () => {
    expect(messageOf(() => checkConfig(load('agent:\n  report_interval: 30\napi:\n  agent_down_time: 30\n')))).toBe(
      'lh.yaml:4: api.agent_down_time: must exceed agent.report_interval (30 s)',
    );
  });

  test('a bad interface mapping is reported at its line', () => {
    expect(messageOf(() => load('agent:\n  interface_mappings:\n    physnet1: "eth 1"\n'))).toBe(
      'lh.yaml:3: agent.interface_mappings.physnet1: is not an interface name',
    );
  });
});

describe('per-transaction logs', () => {
  test('log.dhcp and log.queries take true or a list of networks (a comma list from the environment); off by default', () => {
    expect(agentSettings(load('')).logDhcp).toBe(false);
    expect(agentSettings(load('log:\n  dhcp: true\n  queries: [demo, lab]\n'))).toMatchObject({ logDhcp: true, logQueries: ['demo', 'lab'] });
    expect(agentSettings(load('', { LEASEHOLD_LOG_DHCP: 'demo,lab', LEASEHOLD_LOG_QUERIES: 'off' }))).toMatchObject({ logDhcp: ['demo', 'lab'], logQueries: false });
  });

  test("dnsmasq's log-dhcp and log-queries in the dns section mean the same as log.dhcp: true and log.queries: true", () => {
    expect(agentSettings(load('dns:\n  log-dhcp: true\n  log-queries: true\n'))).toMatchObject({ logDhcp: true, logQueries: true });
  });
});

describe('every problem in one run', () => {
  test('the dns section reports each unknown option (with the closest one) and each bad value, in file order', () => {
    const text = 'dns:\n  no-such-option: true\n  server: [198.18.255.1, not-an-address]\n  cache-size: lots\n';
    expect(messageOf(() => checkConfig(load(text))).split('\n')).toEqual([
      'lh.yaml:2: dns.no-such-option: unknown option',
      'lh.yaml:3: dns.server: bad address',
      'lh.yaml:4: dns.cache-size: bad number',
    ]);
    expect(messageOf(() => checkConfig(load('dns:\n  no-resolve: true\n')))).toBe('lh.yaml:2: dns.no-resolve: unknown option (did you mean no-resolv?)');
  });
});
