import { fc, test } from '@fast-check/vitest';
import { formatIpv4 } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { compact, jsonSafe, readable, renderData, renderEventJson, renderEventLine } from './render.js';

const ipv4 = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('readable data', () => {
  test.prop([ipv4])('an address field prints as its dotted quad', (ip) => {
    expect(readable({ ip }, '')).toEqual({ ip: formatIpv4(ip) });
    expect(readable({ dnsNameservers: [ip] })).toEqual({ dnsNameservers: [formatIpv4(ip)] });
  });

  test.prop([fc.integer({ min: 0, max: 1_000_000 })])('a number in a field that is not an address stays a number', (n) => {
    expect(readable({ mtu: n, load: n })).toEqual({ mtu: n, load: n });
  });

  test('CIDRs, ranges and times read as text', () => {
    const subnet = { cidr: { address: 0xc6120000, prefix: 24 }, dynamicPools: [{ first: 0xc6120064, last: 0xc61200c7 }], expiresAt: Date.UTC(2026, 0, 2) };
    expect(readable(subnet)).toEqual({ cidr: '198.18.0.0/24', dynamicPools: ['198.18.0.100-198.18.0.199'], expiresAt: '2026-01-02T00:00:00.000Z' });
    const subnet6 = { cidr: '2001:db8:1::/64', allocationPools: [{ first: '2001:db8:1::2', last: '2001:db8:1:0:ffff:ffff:ffff:ffff' }] };
    expect(readable(subnet6)).toEqual({ cidr: '2001:db8:1::/64', allocationPools: ['2001:db8:1::2-2001:db8:1:0:ffff:ffff:ffff:ffff'] });
  });

  test('a line holds sequence, time, subject, type and compact data', () => {
    const line = renderEventLine({
      seq: 7,
      subject: 'lh.evt.lease.n1.198-18-0-5',
      event: { type: 'LeaseBound', v: 1, id: 'e1', aggregate: 'lease/n1/198.18.0.5', at: Date.UTC(2026, 0, 1), data: { ip: 0xc6120005, mac: 'fa:16:3e:00:00:05', hostname: 'a b' } },
    });
    expect(line).toBe('7 2026-01-01T00:00:00.000Z lh.evt.lease.n1.198-18-0-5 LeaseBound ip=198.18.0.5 mac=fa:16:3e:00:00:05 hostname="a b"');
  });

  test('an undecodable event still gets a line naming why', () => {
    expect(renderEventLine({ seq: 3, subject: 'lh.evt.x.y', stored: 0, error: 'malformed msgpack' })).toBe('3 1970-01-01T00:00:00.000Z lh.evt.x.y <undecodable> malformed msgpack');
  });

  test('nested data renders in braces and brackets', () => {
    expect(renderData({ inputs: { candidates: [{ agentId: 'a', load: 0 }] } })).toBe('inputs={candidates=[{agentId=a, load=0}]}');
    expect(compact('plain-word')).toBe('plain-word');
  });
});

describe('JSON lines', () => {
  test.prop([fc.jsonValue()])('data that is JSON already comes out equal, as one line', (data) => {
    const line = renderEventJson({ seq: 1, subject: 's', event: { type: 'T', v: 1, id: 'i', aggregate: 'a/b', at: 5, data } });
    expect(line.includes('\n')).toBe(false);
    expect(JSON.parse(line).data).toEqual(JSON.parse(JSON.stringify(data)));
  });

  test('bytes, maps and big integers are made JSON-safe', () => {
    expect(jsonSafe({ b: new Uint8Array([1, 255]), m: new Map([['k', 1n]]) })).toEqual({ b: '01ff', m: { k: '1' } });
  });
});
