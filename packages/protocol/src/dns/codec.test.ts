import { fc, test } from '@fast-check/vitest';
import dnsPacket from 'dns-packet';
import { describe, expect } from 'vitest';
import { decodeDns } from './decode.js';
import { dnsEncodingLength, encodeDns, encodeDnsInto } from './encode.js';
import { DnsDecodeError, DnsEncodeError } from './errors.js';
import { dnsMessage } from './testing.js';
import type { DnsMessage } from './types.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const query = (over: Partial<DnsMessage> = {}): DnsMessage => ({
  id: 0x1234,
  qr: false,
  opcode: 0,
  aa: false,
  tc: false,
  rd: true,
  ra: false,
  z: false,
  ad: false,
  cd: false,
  rcode: 0,
  questions: [{ name: 'Example.COM', type: 1, class: 1 }],
  answers: [],
  authorities: [],
  additionals: [],
  ...over,
});

describe('DNS codec round trip', () => {
  test.prop([dnsMessage], { numRuns: 600 })('decoding an encoded message gives back the same message', (message) => {
    expect(decodeDns(encodeDns(message))).toStrictEqual(message);
  });

  test.prop([dnsMessage], { numRuns: 300 })('the encoded length is dnsEncodingLength and re-encoding gives the same bytes', (message) => {
    const bytes = encodeDns(message);
    expect(bytes.length).toBe(dnsEncodingLength(message));
    expect(encodeDns(decodeDns(bytes))).toStrictEqual(bytes);
  });

  test.prop([dnsMessage, fc.nat({ max: 40 }), fc.nat({ max: 40 })], { numRuns: 200 })(
    'encoding into a buffer at an offset writes the same bytes there and nothing else',
    (message, before, after) => {
      const bytes = encodeDns(message);
      const target = new Uint8Array(before + bytes.length + after).fill(0xa5);
      expect(encodeDnsInto(message, target, before)).toBe(bytes.length);
      expect(target.subarray(before, before + bytes.length)).toStrictEqual(bytes);
      expect([...target.subarray(0, before), ...target.subarray(before + bytes.length)].every((x) => x === 0xa5)).toBe(true);
    },
  );

  const typedOnly = (m: DnsMessage) => ![...m.answers, ...m.authorities, ...m.additionals].some((r) => r.type === 'UNKNOWN');
  test.prop([dnsMessage.filter(typedOnly)], { numRuns: 200 })('dns-packet on its own reads our encoding of typed records with the same names and TTLs', (message) => {
    const lib = dnsPacket.decode(Buffer.from(encodeDns(message)));
    expect(lib.questions?.map((q) => q.name)).toStrictEqual(message.questions.map((q) => q.name));
    const ttls = (lib.answers ?? []).map((a) => ('ttl' in a ? a.ttl : undefined));
    expect(ttls).toStrictEqual(message.answers.map((a) => ('ttl' in a ? a.ttl : undefined)));
  });
});

describe('DNS codec on known messages', () => {
  test('a response with compressed names decodes every typed record', () => {
    // Header: id 0xbeef, QR RD RA, 1 question, 4 answers, 1 authority, 1 additional (OPT).
    const bytes = hex(`
      beef 8180 0001 0004 0001 0001
      03 777777 07 4578616d706c65 03 636f6d 00  0001 0001
      c00c 0005 0001 0000012c 0002 c010
      c010 0001 0001 00000e10 0004 c6120022
      c010 001c 0001 00000e10 0010 20010db8000000000000000000000001
      c010 0010 0001 0000003c 0007 03616263 02 6465
      c010 0006 0001 00000384 001e 026e73 c010 02 6869 c010 00000001 00000002 00000003 00000004 00000005
      00 0029 04d0 01 00 8000 0008 000a 0004 01020304
    `);
    expect(decodeDns(bytes)).toStrictEqual({
      ...query({ id: 0xbeef, qr: true, ra: true, questions: [{ name: 'www.Example.com', type: 1, class: 1 }] }),
      answers: [
        { name: 'www.Example.com', type: 'CNAME', class: 1, ttl: 300, data: 'Example.com' },
        { name: 'Example.com', type: 'A', class: 1, ttl: 3600, data: '198.18.0.34' },
        { name: 'Example.com', type: 'AAAA', class: 1, ttl: 3600, data: '2001:db8::1' },
        { name: 'Example.com', type: 'TXT', class: 1, ttl: 60, data: [hex('616263'), hex('6465')] },
      ],
      authorities: [
        {
          name: 'Example.com',
          type: 'SOA',
          class: 1,
          ttl: 900,
          data: { mname: 'ns.Example.com', rname: 'hi.Example.com', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 },
        },
      ],
      additionals: [
        { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 1, version: 0, dnssecOk: true, z: 0, options: [{ code: 10, data: hex('01020304') }] },
      ],
    });
  });

  test('records of types dns-packet parses but we do not (CAA, DNSKEY) keep their rdata bytes unchanged', () => {
    // A DNSKEY whose protocol byte is not 3 makes dns-packet throw; we keep it raw.
    const message = query({
      qr: true,
      answers: [
        { name: 'x', type: 'UNKNOWN', code: 257, class: 1, ttl: 5, data: hex('0005697373756561') },
        { name: 'x', type: 'UNKNOWN', code: 48, class: 1, ttl: 5, data: hex('0101 07 08') },
        { name: 'x', type: 'UNKNOWN', code: 0xff00, class: 1, ttl: 5, data: hex('') },
      ],
    });
    expect(decodeDns(encodeDns(message))).toStrictEqual(message);
  });

  test('A and AAAA records outside class IN are kept raw, and the encoder will not write typed ones', () => {
    const chaos = query({ answers: [{ name: 'a', type: 'UNKNOWN', code: 1, class: 3, ttl: 1, data: hex('0a00 01 62 00') }] });
    expect(decodeDns(encodeDns(chaos))).toStrictEqual(chaos);
    expect(() => encodeDns(query({ answers: [{ name: 'a', type: 'A', class: 3, ttl: 1, data: '198.18.0.1' }] }))).toThrow(/answers\[0\]\.class: A data is defined for class IN only/);
  });

  test('a message inside a larger pooled Buffer decodes as its own bytes', () => {
    const bytes = encodeDns(query({ answers: [{ name: 'a', type: 'UNKNOWN', code: 99, class: 1, ttl: 1, data: hex('0102') }] }));
    const pooled = Buffer.concat([Buffer.from('junk'), bytes, Buffer.from('more')]).subarray(4, 4 + bytes.length);
    const decoded = decodeDns(pooled);
    expect(decoded).toStrictEqual(decodeDns(Uint8Array.from(bytes)));
    pooled.fill(0);
    expect(decoded.answers[0]).toMatchObject({ data: hex('0102') });
  });

  test('classes dns-packet cannot name (CHAOS with the top bit, NONE, 0) and an OPT payload size of 0 survive', () => {
    const message = query({
      questions: [{ name: 'version.bind', type: 16, class: 0x8003 }],
      answers: [{ name: 'a', type: 'MX', class: 254, ttl: 1, data: { preference: 1, exchange: 'mx' } }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 0, extendedRcode: 0, version: 0, dnssecOk: false, z: 0, options: [] }],
    });
    expect(decodeDns(encodeDns(message))).toStrictEqual(message);
  });

  test('a mailbox whose first label holds a dot round-trips in the \\. form', () => {
    const soa = { mname: 'ns1.example.org', rname: 'john\\.doe.example.org', serial: 7, refresh: 1, retry: 2, expire: 3, minimum: 4 };
    const message = query({ authorities: [{ name: 'example.org', type: 'SOA', class: 1, ttl: 60, data: soa }] });
    const bytes = encodeDns(message);
    expect(Buffer.from(bytes).includes(Buffer.from('\x08john.doe\x07example', 'latin1'))).toBe(true);
    expect(decodeDns(bytes)).toStrictEqual(message);
  });

  test('an AAAA address in any valid text form is written as its 16 bytes', () => {
    const forms: [string, string][] = [
      ['::', '0000'.repeat(8)],
      ['::1', `${'0000'.repeat(7)}0001`],
      ['1::', `0001${'0000'.repeat(7)}`],
      ['1:0:0:2:0:0:0:3', '0001000000000002' + '000000000000' + '0003'],
      ['::ffff:198.18.1.4', `${'0000'.repeat(5)}ffffc6120104`],
      ['FE80::A:b', `fe80${'0000'.repeat(5)}000a000b`],
    ];
    for (const [text, wire] of forms) {
      const bytes = encodeDns(query({ answers: [{ name: 'a', type: 'AAAA', class: 1, ttl: 0, data: text }] }));
      expect(Buffer.from(bytes.subarray(bytes.length - 16)).toString('hex')).toBe(wire);
    }
  });
});

describe('DNS encoder refusals', () => {
  const refuse = (over: Partial<DnsMessage>, path: RegExp) => {
    expect(() => encodeDns(query(over))).toThrow(DnsEncodeError);
    expect(() => dnsEncodingLength(query(over))).toThrow(path);
  };

  test('names that dns-packet would silently corrupt are refused with the field named', () => {
    refuse({ questions: [{ name: `${'a'.repeat(64)}.com`, type: 1, class: 1 }] }, /questions\[0\]\.name: label 1 is 64 bytes/);
    refuse({ questions: [{ name: Array(64).fill('abc').join('.'), type: 1, class: 1 }] }, /over 255/);
    refuse({ questions: [{ name: 'a..b', type: 1, class: 1 }] }, /empty label/);
    refuse({ questions: [{ name: 'caf\u00e9', type: 1, class: 1 }] }, /printable ASCII/);
    refuse({ answers: [{ name: 'a\\.b', type: 'A', class: 1, ttl: 0, data: '198.18.1.4' }] }, /answers\[0\]\.name/);
  });

  test('out-of-range numbers and malformed addresses are refused with the field named', () => {
    refuse({ id: 0x10000 }, /^dns encode: id:/);
    refuse({ answers: [{ name: 'a', type: 'A', class: 1, ttl: -1, data: '198.18.1.4' }] }, /answers\[0\]\.ttl/);
    refuse({ answers: [{ name: 'a', type: 'A', class: 1, ttl: 1, data: '198.18.1' }] }, /answers\[0\]\.data/);
    refuse({ answers: [{ name: 'a', type: 'AAAA', class: 1, ttl: 1, data: 'fe80::1%eth0' }] }, /answers\[0\]\.data/);
    refuse({ answers: [{ name: 'a', type: 'TXT', class: 1, ttl: 1, data: [new Uint8Array(256)] }] }, /answers\[0\]\.data\[0\]/);
  });

  test('encoding into a target that is too small is refused before anything is written', () => {
    const target = new Uint8Array(20);
    expect(() => encodeDnsInto(query(), target, 4)).toThrow(/needs 29 bytes at offset 4/);
    expect(target.every((b) => b === 0)).toBe(true);
  });
});

describe('DNS decoder errors are typed', () => {
  test('decoding a message dns-packet would throw on gives a DnsDecodeError, never a RangeError', () => {
    for (const bytes of [hex('0000'), hex('0000 0000 0001 0000 0000 0000 03 616263'), hex('0000 0000 0000 0000 0000 0001 00 0029 0200 00000000 0004 0008 0000')]) {
      expect(() => decodeDns(bytes)).toThrow(DnsDecodeError);
    }
  });
});
