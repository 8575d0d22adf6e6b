import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { parseUdp6Counters, parseUdpCounters } from './topology.js';

const names = ['InDatagrams', 'NoPorts', 'InErrors', 'OutDatagrams', 'RcvbufErrors', 'SndbufErrors', 'InCsumErrors', 'IgnoredMulti', 'MemErrors'];

describe('UDP counters', () => {
  test.prop([fc.array(fc.nat(), { minLength: names.length, maxLength: names.length })])(
    "read each Udp counter by name from /proc/net/snmp, not UdpLite's",
    (values) => {
      const snmp = [
        'Ip: Forwarding DefaultTTL',
        'Ip: 1 64',
        `Udp: ${names.join(' ')}`,
        `Udp: ${values.join(' ')}`,
        `UdpLite: ${names.join(' ')}`,
        `UdpLite: ${names.map(() => 999).join(' ')}`,
        '',
      ].join('\n');
      const counters = parseUdpCounters(snmp);
      expect(Object.keys(counters)).toStrictEqual(names);
      names.forEach((n, i) => expect(counters[n]).toBe(values[i]));
    },
  );

  test('are empty when the text has no Udp lines', () => {
    expect(parseUdpCounters('Ip: Forwarding\nIp: 1\n')).toStrictEqual({});
  });

  test.prop([fc.array(fc.nat(), { minLength: names.length, maxLength: names.length })])(
    "over IPv6 read each Udp6 counter of /proc/net/snmp6 under the IPv4 name, not UdpLite6's or Ip6's",
    (values) => {
      const snmp6 = [
        'Ip6InReceives                   \t7',
        ...names.map((n, i) => `Udp6${n.padEnd(28)}\t${values[i]}`),
        ...names.map((n) => `UdpLite6${n.padEnd(24)}\t999`),
        '',
      ].join('\n');
      const counters = parseUdp6Counters(snmp6);
      expect(Object.keys(counters)).toStrictEqual(names);
      names.forEach((n, i) => expect(counters[n]).toBe(values[i]));
    },
  );
});
