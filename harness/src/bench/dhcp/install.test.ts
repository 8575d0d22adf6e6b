import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { benchCommands, dhcp6BenchCommands, missingPackages } from './install.js';

describe('bench tool installation', () => {
  test.prop([fc.subarray(Object.keys(benchCommands))])('asks for exactly the packages of the missing commands, once each, sorted', (present) => {
    const missing = missingPackages(benchCommands, (c) => present.includes(c));
    const expected = [...new Set(Object.keys(benchCommands).filter((c) => !present.includes(c)).map((c) => benchCommands[c]!))].sort();
    expect(missing).toStrictEqual(expected);
  });

  test('perfdhcp comes from kea-admin and Kea itself from kea-dhcp4-server', () => {
    expect(missingPackages({ perfdhcp: 'kea-admin', 'kea-dhcp4': 'kea-dhcp4-server' }, () => false)).toStrictEqual(['kea-admin', 'kea-dhcp4-server']);
  });

  test('bench:dhcp6 wants kea-dhcp6-server beside perfdhcp, ip and nats-server, and neither Kea DHCPv4 nor dnsmasq', () => {
    expect(missingPackages(dhcp6BenchCommands, () => false)).toStrictEqual(['iproute2', 'kea-admin', 'kea-dhcp6-server', 'nats-server']);
  });
});
