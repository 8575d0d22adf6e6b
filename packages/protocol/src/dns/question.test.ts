import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeDns } from './decode.js';
import { dnsEncodingLength, encodeDns } from './encode.js';
import { copyQuestionCase, dnsCacheKey, hasFlag, readDnsId, readOpcode, readQuestion, readRcode, rewriteId, setFlag, setRcode } from './question.js';
import { dnsMessage, dnsMessageWithQuestion } from './testing.js';
import { DnsFlag, type DnsMessage } from './types.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** The name with each letter's case flipped where `flips` says so. */
const recase = (name: string, flips: boolean[]) =>
  [...name].map((c, i) => (flips[i % Math.max(flips.length, 1)] ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join('');

describe('readQuestion agrees with decodeDns', () => {
  test.prop([dnsMessageWithQuestion], { numRuns: 400 })('the first question read from raw bytes is the decoded first question', (message) => {
    const bytes = encodeDns(message);
    const q = decodeDns(bytes).questions[0]!;
    const onlyQuestion: DnsMessage = { ...message, questions: [q], answers: [], authorities: [], additionals: [] };
    expect(readQuestion(bytes)).toStrictEqual({
      name: q.name,
      nameLower: q.name.toLowerCase(),
      type: q.type,
      class: q.class,
      end: dnsEncodingLength(onlyQuestion),
    });
  });

  test('a compressed question name is followed and its case kept', () => {
    // Two questions; the second is "www" + a pointer to the first ("Example.COM").
    const bytes = hex('0001 0100 0002 0000 0000 0000 07 4578616d706c65 03 434f4d 00 0001 0001 03 777777 c00c 001c 0001');
    expect(readQuestion(bytes)).toStrictEqual({ name: 'Example.COM', nameLower: 'example.com', type: 1, class: 1, end: 29 });
  });

  test('a name whose labels hold a dot or backslash is escaped so it cannot collide with a name of more labels', () => {
    const dotted = readQuestion(hex('0001 0100 0001 0000 0000 0000 03 612e62 00 0001 0001'));
    const split = readQuestion(hex('0001 0100 0001 0000 0000 0000 01 61 01 62 00 0001 0001'));
    expect([dotted.name, split.name]).toStrictEqual(['a\\.b', 'a.b']);
    expect(dnsCacheKey(dotted)).not.toBe(dnsCacheKey(split));
  });
});

describe('the cache key', () => {
  const small = fc.record({ nameLower: fc.constantFrom('a', 'b', 'a.b', '.'), type: fc.constantFrom(1, 28, 0x100), class: fc.constantFrom(1, 3, 0x101) });
  test.prop([small, small])('two questions share a key exactly when lowercased name, type and class are equal', (a, b) => {
    const same = a.nameLower === b.nameLower && a.type === b.type && a.class === b.class;
    expect(dnsCacheKey(a) === dnsCacheKey(b)).toBe(same);
  });

  test.prop([dnsMessageWithQuestion, fc.array(fc.boolean(), { minLength: 1 })], { numRuns: 200 })(
    'a question asked in another letter case has the same key',
    (message, flips) => {
      const q = message.questions[0]!;
      const other = encodeDns({ ...message, questions: [{ ...q, name: recase(q.name, flips) }] });
      expect(dnsCacheKey(readQuestion(other))).toBe(dnsCacheKey(readQuestion(encodeDns(message))));
    },
  );
});

describe('header rewrites in place', () => {
  test.prop([dnsMessage, fc.integer({ min: 0, max: 0xffff })], { numRuns: 200 })('rewriteId changes the id and nothing else', (message, id) => {
    const bytes = encodeDns(message);
    expect(readDnsId(bytes)).toBe(message.id);
    rewriteId(bytes, id);
    expect(decodeDns(bytes)).toStrictEqual({ ...message, id });
  });

  const flags = [
    ['QR', 'qr'],
    ['AA', 'aa'],
    ['TC', 'tc'],
    ['RD', 'rd'],
    ['RA', 'ra'],
    ['AD', 'ad'],
    ['CD', 'cd'],
  ] as const;
  test.prop([dnsMessage, fc.constantFrom(...flags), fc.boolean()], { numRuns: 200 })(
    'hasFlag reads each flag as decoded, and setFlag changes only that flag',
    (message, [flag, field], on) => {
      const bytes = encodeDns(message);
      expect(hasFlag(bytes, DnsFlag[flag])).toBe(message[field]);
      expect([readRcode(bytes), readOpcode(bytes)]).toStrictEqual([message.rcode, message.opcode]);
      setFlag(bytes, DnsFlag[flag], on);
      expect(decodeDns(bytes)).toStrictEqual({ ...message, [field]: on });
    },
  );

  test.prop([dnsMessage, fc.integer({ min: 0, max: 15 })], { numRuns: 100 })('setRcode changes the rcode and nothing else', (message, rcode) => {
    const bytes = encodeDns(message);
    setRcode(bytes, rcode);
    expect(decodeDns(bytes)).toStrictEqual({ ...message, rcode });
  });

  test('an id or rcode out of range is a RangeError, not a silent wrap', () => {
    const bytes = new Uint8Array(12);
    expect(() => rewriteId(bytes, 0x10000)).toThrow(RangeError);
    expect(() => setRcode(bytes, 16)).toThrow(RangeError);
    expect(bytes.every((b) => b === 0)).toBe(true);
  });
});

describe('copyQuestionCase', () => {
  test.prop([dnsMessageWithQuestion, fc.array(fc.boolean(), { minLength: 1 })], { numRuns: 300 })(
    'a cached answer takes the case of the query and nothing else changes',
    (message, flips) => {
      const q = message.questions[0]!;
      const asked = { ...q, name: recase(q.name, flips) };
      const query = encodeDns({ ...message, qr: false, questions: [asked], answers: [], authorities: [], additionals: [] });
      const answer = encodeDns(message);
      expect(copyQuestionCase(answer, query)).toBe(true);
      expect(decodeDns(answer)).toStrictEqual({ ...message, questions: [asked, ...message.questions.slice(1)] });
    },
  );

  test.prop([dnsMessageWithQuestion, dnsMessageWithQuestion], { numRuns: 200 })(
    'an answer to a different question is left unchanged',
    (cached, asking) => {
      const [a, b] = [cached.questions[0]!, asking.questions[0]!];
      fc.pre(a.name.toLowerCase() !== b.name.toLowerCase() || a.type !== b.type || a.class !== b.class);
      const answer = encodeDns(cached);
      const before = Uint8Array.from(answer);
      expect(copyQuestionCase(answer, encodeDns(asking))).toBe(false);
      expect(answer).toStrictEqual(before);
    },
  );

  test('answer owner names that point at the question follow its new case', () => {
    const answer = hex('0001 8180 0001 0001 0000 0000 07 6578616d706c65 00 0001 0001 c00c 0001 0001 0000003c 0004 01020304');
    const query = hex('0001 0100 0001 0000 0000 0000 07 4578614d706c65 00 0001 0001');
    expect(copyQuestionCase(answer, query)).toBe(true);
    expect(decodeDns(answer).answers[0]!.name).toBe('ExaMple');
  });
});
