/**
 * fast-check arbitraries for DNS messages and for malformed variants of them,
 * for this package's tests and for the DNS cache's. Test-only: meant for a
 * `./testing` export, never the main index.
 */
import * as fc from 'fast-check';
import { compressDns } from './compress.js';
import { encodeDns } from './encode.js';
import { nameWireLength } from './names.js';
import { DnsType, type DnsMessage, type DnsOptRecord, type DnsQuestion, type DnsRecord } from './types.js';

const LDH = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-';
const printable = fc
  .integer({ min: 0x20, max: 0x7e })
  .filter((c) => c !== 0x2e && c !== 0x5c)
  .map((c) => String.fromCharCode(c));
const labelChar = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...LDH) }, { weight: 1, arbitrary: printable });
const label = (min: number, max: number) => fc.string({ unit: labelChar, minLength: min, maxLength: max });

const fits = (name: string, mailbox = false): boolean => {
  try {
    nameWireLength(name, 'name', mailbox);
    return true;
  } catch {
    return false;
  }
};

/** Names decodeDns gives back: "." or 1-6 labels, mixed case, up to the 255-byte limit. */
export const dnsName: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constant('.') },
  { weight: 12, arbitrary: fc.array(fc.oneof({ weight: 9, arbitrary: label(1, 12) }, { weight: 1, arbitrary: label(40, 63) }), { minLength: 1, maxLength: 6 }).map((l) => l.join('.')).filter((n) => fits(n)) },
  { weight: 1, arbitrary: fc.tuple(label(63, 63), label(63, 63), label(63, 63), label(1, 61)).map((l) => l.join('.')) },
);

/** SOA RNAME mailboxes: like dnsName, and the first label may hold dots (written `\.`). */
export const dnsMailbox: fc.Arbitrary<string> = fc.oneof(
  dnsName,
  fc
    .tuple(fc.array(label(1, 10), { minLength: 2, maxLength: 3 }), fc.array(label(1, 12), { maxLength: 3 }))
    .map(([local, domain]) => [local.join('\\.'), ...domain].join('.'))
    .filter((n) => fits(n, true)),
);

/** Records with an ordinary prototype, like the ones decodeDns builds. */
const plain = { noNullPrototype: true } as const;

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ttl = fc.oneof(fc.integer({ min: 0, max: 86_400 }), u32);
const klass = fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: u16 });
const typeCode = fc.oneof(fc.constantFrom(...Object.values(DnsType).filter((t) => t !== DnsType.OPT), 255, 65, 64, 257), u16);
const typedCodes: ReadonlySet<number> = new Set(Object.values(DnsType));

/** IPv6 text in RFC 5952 section 4 form, made canonical by the WHATWG URL parser (an independent formatter). */
const canonicalIpv6 = (text: string): string => new URL(`http://[${text}]`).hostname.slice(1, -1);
const ipv6 = fc.oneof(
  fc.ipV6().map(canonicalIpv6),
  fc
    .array(fc.oneof(fc.constant(0), u16), { minLength: 8, maxLength: 8 })
    .map((groups) => canonicalIpv6(groups.map((g) => g.toString(16)).join(':'))),
);

export const dnsQuestion: fc.Arbitrary<DnsQuestion> = fc.record({ name: dnsName, type: typeCode, class: klass }, plain);

/** Every record type decodeDns types, and records of other types kept raw. */
export const dnsRecord: fc.Arbitrary<DnsRecord> = fc
  .tuple(dnsName, klass, ttl)
  .chain(([name, cls, t]): fc.Arbitrary<DnsRecord> => {
    const base = { name, class: cls, ttl: t };
    return fc.oneof(
      fc.ipV4().map((data) => ({ ...base, class: 1, type: 'A' as const, data })),
      ipv6.map((data) => ({ ...base, class: 1, type: 'AAAA' as const, data })),
      fc.tuple(fc.constantFrom('NS' as const, 'CNAME' as const, 'PTR' as const), dnsName).map(([type, data]) => ({ ...base, type, data })),
      fc
        .record({ mname: dnsName, rname: dnsMailbox, serial: u32, refresh: u32, retry: u32, expire: u32, minimum: u32 }, plain)
        .map((data) => ({ ...base, type: 'SOA' as const, data })),
      fc.record({ preference: u16, exchange: dnsName }, plain).map((data) => ({ ...base, type: 'MX' as const, data })),
      fc.array(fc.uint8Array({ maxLength: 255 }), { maxLength: 4 }).map((data) => ({ ...base, type: 'TXT' as const, data })),
      fc.record({ priority: u16, weight: u16, port: u16, target: dnsName }, plain).map((data) => ({ ...base, type: 'SRV' as const, data })),
      fc
        .tuple(u16.filter((c) => !typedCodes.has(c)), fc.uint8Array({ maxLength: 64 }))
        .map(([code, data]) => ({ ...base, type: 'UNKNOWN' as const, code, data })),
    );
  });

const option = fc.oneof(
  fc.record({ code: u16.filter((c) => c !== 8 && c !== 11 && c !== 14), data: fc.uint8Array({ maxLength: 40 }) }, plain),
  fc.record({ code: fc.constant(8), data: fc.uint8Array({ minLength: 4, maxLength: 20 }) }, plain),
  fc.record({ code: fc.constant(10), data: fc.uint8Array({ minLength: 8, maxLength: 40 }) }, plain),
);

/** An EDNS0 OPT pseudo-record (RFC 6891) with raw options. */
export const dnsOpt: fc.Arbitrary<DnsOptRecord> = fc.record({
  type: fc.constant('OPT' as const),
  name: fc.constant('.' as const),
  udpPayloadSize: fc.oneof(fc.constantFrom(512, 1232, 4096), u16),
  extendedRcode: u8,
  version: fc.oneof(fc.constant(0), u8),
  dnssecOk: fc.boolean(),
  z: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0x7fff })),
  options: fc.array(option, { maxLength: 3 }),
}, plain);

const additionals = fc
  .tuple(fc.array(dnsRecord, { maxLength: 3 }), fc.option(dnsOpt, { nil: undefined }), fc.nat())
  .map(([records, opt, at]) => (opt ? records.toSpliced(at % (records.length + 1), 0, opt) : records));

const messageWith = (questions: fc.Arbitrary<DnsQuestion[]>): fc.Arbitrary<DnsMessage> =>
  fc.record({
    id: u16,
    qr: fc.boolean(),
    opcode: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 15 })),
    aa: fc.boolean(),
    tc: fc.boolean(),
    rd: fc.boolean(),
    ra: fc.boolean(),
    z: fc.boolean(),
    ad: fc.boolean(),
    cd: fc.boolean(),
    rcode: fc.oneof(fc.constantFrom(0, 3), fc.integer({ min: 0, max: 15 })),
    questions,
    answers: fc.array(dnsRecord, { maxLength: 4 }),
    authorities: fc.array(dnsRecord, { maxLength: 3 }),
    additionals,
  }, plain);

/** DNS messages decodeDns can give back: every typed record type, raw types, at most one OPT (in additionals). */
export const dnsMessage: fc.Arbitrary<DnsMessage> = messageWith(fc.array(dnsQuestion, { maxLength: 2 }));

/** Like dnsMessage, with at least one question. */
export const dnsMessageWithQuestion: fc.Arbitrary<DnsMessage> = messageWith(fc.array(dnsQuestion, { minLength: 1, maxLength: 2 }));

type Mutation =
  | { kind: 'set'; at: number; value: number }
  /** A pointer to `target` bytes from itself when negative or small, else to that offset. */
  | { kind: 'pointer'; at: number; target: number }
  | { kind: 'count'; field: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(u8, fc.constantFrom(0, 1, 0x29, 0x3f, 0x40, 0x80, 0xbf, 0xc0, 0xff), fc.constantFrom(...LDH).map((c) => c.charCodeAt(0))) }),
  fc.record({ kind: fc.constant('pointer' as const), at: fc.nat(), target: fc.oneof(fc.integer({ min: -40, max: 4 }), fc.integer({ min: 0, max: 0x3fff })) }),
  fc.record({ kind: fc.constant('count' as const), field: fc.integer({ min: 0, max: 3 }), value: fc.oneof(fc.integer({ min: 0, max: 8 }), u16) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = Uint8Array.from(bytes);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : ('at' in m ? m.at : 0) % b.length;
    switch (m.kind) {
      case 'set':
        if (b.length > 0) b[at] = m.value;
        break;
      case 'pointer':
        if (at + 1 < b.length) {
          const target = m.target <= 4 ? Math.max(0, at + m.target) : m.target;
          b[at] = 0xc0 | ((target >> 8) & 0x3f);
          b[at + 1] = target & 0xff;
        }
        break;
      case 'count':
        if (b.length >= 12) {
          b[4 + 2 * m.field] = m.value >> 8;
          b[5 + 2 * m.field] = m.value & 0xff;
        }
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
        break;
      case 'delete':
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.length)]);
        break;
    }
  }
  return b;
}

/** Valid messages on the wire, half of them with names compressed. */
export const dnsMessageBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(dnsMessage, fc.boolean())
  .map(([message, compress]) => (compress ? compressDns(encodeDns(message)) : encodeDns(message)));

/** Valid messages (half compressed) with 1-3 mutations: bytes set, pointers planted, counts changed, truncation, insertions, deletions. */
export const mutatedDnsBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(dnsMessageBytes, fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([bytes, mutations]) => mutate(bytes, mutations));
