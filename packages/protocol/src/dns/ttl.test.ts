import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeDns } from './decode.js';
import { encodeDns } from './encode.js';
import { dnsMessage, dnsRecord } from './testing.js';
import { effectiveTtl, minTtl, rewriteTtls, type DnsSection } from './ttl.js';
import { dnsTypeCode, type DnsMessage, type DnsRecord } from './types.js';

const SECTIONS = [
  ['answers', 'answer'],
  ['authorities', 'authority'],
  ['additionals', 'additional'],
] as const;

/** `message` with every non-OPT record's TTL replaced by `next(ttl, type, section)`. */
function withTtls(message: DnsMessage, next: (ttl: number, type: number, section: DnsSection) => number): DnsMessage {
  const out = { ...message };
  for (const [key, section] of SECTIONS) {
    out[key] = message[key].map((r) => (r.type === 'OPT' ? r : { ...r, ttl: next(r.ttl, dnsTypeCode(r), section) }));
  }
  return out;
}

const records = (m: DnsMessage) => [...m.answers, ...m.authorities, ...m.additionals].filter((r) => r.type !== 'OPT') as Exclude<DnsRecord, { type: 'OPT' }>[];
const clamp = (v: number) => (v > 0 ? Math.min(Math.floor(v), 0x7fffffff) : 0);

describe('rewriteTtls', () => {
  test.prop([dnsMessage, fc.integer({ min: 0, max: 100_000 })], { numRuns: 300 })(
    'subtracting elapsed seconds shows in every TTL but the OPT record, floored at zero, and nothing else changes',
    (message, elapsed) => {
      const bytes = encodeDns(message);
      expect(rewriteTtls(bytes, elapsed)).toBe(records(message).length);
      expect(decodeDns(bytes)).toStrictEqual(withTtls(message, (ttl) => Math.max(0, effectiveTtl(ttl) - elapsed)));
    },
  );

  test.prop([dnsMessage, fc.func(fc.oneof(fc.integer({ min: -5, max: 2 ** 32 + 5 }), fc.double()))], { numRuns: 300 })(
    'a function gives each record its new TTL, clamped to 0..2^31-1, and sees each record once with its type and section',
    (message, f) => {
      const bytes = encodeDns(message);
      const seen: [number, number, DnsSection][] = [];
      rewriteTtls(bytes, (ttl, type, section) => {
        seen.push([ttl, type, section]);
        return f(ttl, type, section);
      });
      const expected: [number, number, DnsSection][] = [];
      expect(decodeDns(bytes)).toStrictEqual(
        withTtls(message, (ttl, type, section) => {
          expected.push([ttl, type, section]);
          return clamp(f(ttl, type, section));
        }),
      );
      expect(seen).toStrictEqual(expected);
    },
  );

  test.prop([dnsMessage], { numRuns: 50 })('a callback may re-enter the fast path without disturbing the outer rewrite', (message) => {
    const bytes = encodeDns(message);
    const copy = Uint8Array.from(bytes);
    rewriteTtls(bytes, (ttl) => {
      rewriteTtls(copy, 1);
      minTtl(copy);
      return ttl + 1;
    });
    expect(decodeDns(bytes)).toStrictEqual(withTtls(message, (ttl) => clamp(ttl + 1)));
  });
});

describe('minTtl', () => {
  /** The model: RFC 2308 5 for negative answers, the smallest TTL otherwise. */
  function model(m: DnsMessage): number | undefined {
    const ttls = records(m).map((r) => effectiveTtl(r.ttl));
    const negative = m.rcode === 3 || (m.rcode === 0 && m.answers.length === 0);
    if (negative) {
      const soa = m.authorities.find((r) => r.type === 'SOA');
      return soa ? Math.min(...ttls, effectiveTtl(soa.data.minimum)) : undefined;
    }
    return ttls.length === 0 ? undefined : Math.min(...ttls);
  }

  test.prop([dnsMessage], { numRuns: 400 })('minTtl of the raw bytes agrees with the model on the decoded message', (message) => {
    expect(minTtl(encodeDns(message))).toBe(model(message));
  });

  const soa = (ttl: number, minimum: number): DnsRecord => ({
    name: 'example.org',
    type: 'SOA',
    class: 1,
    ttl,
    data: { mname: 'ns.example.org', rname: 'hostmaster.example.org', serial: 1, refresh: 2, retry: 3, expire: 4, minimum },
  });
  const negative = (rcode: number, authorities: DnsRecord[]): DnsMessage => ({
    id: 1, qr: true, opcode: 0, aa: false, tc: false, rd: true, ra: true, z: false, ad: false, cd: false, rcode,
    questions: [{ name: 'nope.example.org', type: 1, class: 1 }], answers: [], authorities, additionals: [],
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })])(
    'an NXDOMAIN or NODATA answer is cached for the smaller of the SOA TTL and SOA MINIMUM (RFC 2308 5)',
    (ttl, minimum) => {
      expect(minTtl(encodeDns(negative(3, [soa(ttl, minimum)])))).toBe(Math.min(ttl, minimum));
      expect(minTtl(encodeDns(negative(0, [soa(ttl, minimum)])))).toBe(Math.min(ttl, minimum));
    },
  );

  test.prop([fc.constantFrom(0, 3), fc.array(dnsRecord.filter((r) => r.type !== 'SOA'), { maxLength: 3 })])(
    'a negative answer without an SOA is not cacheable',
    (rcode, authorities) => {
      expect(minTtl(encodeDns(negative(rcode, authorities)))).toBeUndefined();
    },
  );

  test('a TTL with the top bit set counts as zero (RFC 2181 8)', () => {
    const m = negative(0, []);
    expect(minTtl(encodeDns({ ...m, answers: [{ name: 'a', type: 'A', class: 1, ttl: 0x80000000, data: '198.18.1.4' }] }))).toBe(0);
  });
});
