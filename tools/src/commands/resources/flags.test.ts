import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { CliError } from './errors.js';
import { adminState, collect, listOf, parseFixedIp, parseHostRoute, parseInteger, parseKeyValue, parseRange } from './flags.js';

const octet = fc.integer({ min: 0, max: 255 });
const ip = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const cidr = fc.tuple(ip, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`);

describe('flag parsers', () => {
  test.prop([fc.stringMatching(/^[^=]{1,20}$/), fc.string({ maxLength: 40 })])('NAME=VALUE splits at the first "=" only', (key, value) => {
    expect(parseKeyValue('--x', `${key}=${value}`)).toEqual({ key, value });
  });

  test.prop([ip, ip])('a range reads the same as START-END and as start=,end=', (start, end) => {
    expect(parseRange('--pool', `${start}-${end}`)).toEqual({ start, end });
    expect(parseRange('--pool', `start=${start},end=${end}`)).toEqual({ start, end });
  });

  test.prop([cidr, ip])('a host route reads the same as DEST=NEXTHOP and as destination=,gateway=', (destination, nexthop) => {
    expect(parseHostRoute('--host-route', `${destination}=${nexthop}`)).toEqual({ destination, nexthop });
    expect(parseHostRoute('--host-route', `destination=${destination},gateway=${nexthop}`)).toEqual({ destination, nexthop });
  });

  test.prop([fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 })])(
    'a whole number is accepted exactly when it is within its bounds',
    (n, a, b) => {
      const [min, max] = a < b ? [a, b] : [b, a];
      if (n >= min && n <= max) expect(parseInteger('--n', String(n), min, max)).toBe(n);
      else expect(() => parseInteger('--n', String(n), min, max)).toThrow(CliError);
    },
  );

  test.prop([fc.array(fc.string(), { maxLength: 5 })])('a repeated flag keeps every value in order, and --no-<flag> first starts from empty', (values) => {
    expect(values.reduce<string[] | false | undefined>((prev, v) => collect(v, prev), undefined)).toEqual(values.length ? values : undefined);
    expect(listOf(values.reduce<string[] | false>((prev, v) => collect(v, prev), false), (s) => s)).toEqual(values);
  });

  test('malformed values are refused with INVALID_FLAG naming the flag', () => {
    for (const [flag, bad] of [
      ['--pool', () => parseRange('--pool', '198.18.0.1')],
      ['--pool', () => parseRange('--pool', 'start=198.18.0.1')],
      ['--host-route', () => parseHostRoute('--host-route', '198.19.0.0/16')],
      ['--fixed-ip', () => parseFixedIp('--fixed-ip', 'network=x')],
      ['--fixed-ip', () => parseFixedIp('--fixed-ip', '')],
      ['--mtu', () => parseInteger('--mtu', '1.5')],
      ['--enable', () => adminState({ enable: true, disable: true })],
    ] as const) {
      expect(bad).toThrow(expect.objectContaining({ code: 'INVALID_FLAG', field: flag }));
    }
  });
});
