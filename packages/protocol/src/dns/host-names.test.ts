import { describe, expect, test } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import { parseIpv4 } from '../ipv4/address.js';
import { DEFAULT_DNS_DOMAIN, defaultHostname, portDnsDomain } from './host-names.js';

describe("Neutron's port names", () => {
  test('an address of a port without dns_name is named host-a-b-c-d, as in the addn_hosts file of Neutron\'s dnsmasq', () => {
    expect(defaultHostname(parseIpv4('198.18.40.86'))).toBe('host-198-18-40-86');
    expect(defaultHostname(0)).toBe('host-0-0-0-0');
    expect(defaultHostname('2001:db8:1::5')).toBe('host-2001-db8-1--5');
  });

  test("the network's domain wins; without one the configured default, openstacklocal unless set; no trailing dot", () => {
    expect(portDnsDomain('Example.ORG.')).toBe('example.org');
    expect(portDnsDomain('')).toBe(DEFAULT_DNS_DOMAIN);
    expect(portDnsDomain(undefined, 'cloud.internal.')).toBe('cloud.internal');
    expect(portDnsDomain('', '')).toBe('');
  });

  propTest.prop([fc.integer({ min: 0, max: 2 ** 32 - 1 })])('every default host name is one DNS label of at most 20 characters, different for every address', (ip) => {
    const name = defaultHostname(ip);
    expect(name).toMatch(/^host(-\d{1,3}){4}$/);
    expect(name.length).toBeLessThanOrEqual(20);
    expect(name.slice(5).split('-').map(Number).reduce((a, b) => a * 256 + b, 0)).toBe(ip);
  });
});
