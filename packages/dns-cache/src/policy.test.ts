import { describe, expect, test } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import { isLocalClient, isPlainName, isPrivateReverse, localNetworks } from './policy.js';
import { reverseName4 } from './names.js';

describe('bogus-priv ranges', () => {
  test('reverse names of RFC 1918, loopback, link-local and shared addresses are private; public ones are not', () => {
    for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1']) {
      expect(isPrivateReverse(reverseName4(ip))).toBe(true);
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '100.128.0.1']) expect(isPrivateReverse(reverseName4(ip))).toBe(false);
  });

  test('a reverse zone inside a private block is private, one wider than it is not', () => {
    expect(isPrivateReverse('168.192.in-addr.arpa')).toBe(true);
    expect(isPrivateReverse('10.in-addr.arpa')).toBe(true);
    expect(isPrivateReverse('192.in-addr.arpa')).toBe(false);
    expect(isPrivateReverse('www.example.com')).toBe(false);
  });

  propTest.prop([fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })])(
    'every address in 10.0.0.0/8 has a private reverse name',
    (b, c, d) => {
      expect(isPrivateReverse(reverseName4(`10.${b}.${c}.${d}`))).toBe(true);
    },
  );
});

describe('local-service networks', () => {
  test('configured networks replace the defaults, loopback included', () => {
    const nets = localNetworks(['198.18.0.0/16'], ['127.0.0.1']);
    expect(isLocalClient('198.18.9.9', nets)).toBe(true);
    expect(isLocalClient('::ffff:198.18.9.9', nets)).toBe(true);
    expect(isLocalClient('127.0.0.1', nets)).toBe(false);
    expect(isLocalClient('198.19.2.1', nets)).toBe(false);
  });

  test('without configured networks loopback and the listen address subnets are local', () => {
    const nets = localNetworks([], ['127.0.0.1']);
    expect(isLocalClient('127.0.0.5', nets)).toBe(true);
    expect(isLocalClient('::1', nets)).toBe(true);
    expect(isLocalClient('203.0.113.9', nets)).toBe(false);
  });

  test('a plain name has one label', () => {
    expect(isPlainName('host')).toBe(true);
    expect(isPlainName('host.lan')).toBe(false);
    expect(isPlainName('.')).toBe(false);
  });
});
