/**
 * The chain of trust over BIND's recorded answers (fixtures.ts): the
 * validator asks a fake upstream that replays them, on a fixed clock.
 */
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import type { TrustAnchor } from '../config.js';
import { FIXTURE_ANCHORS, FIXTURE_NOW, questionKey, recordedAnswer } from './fixtures.js';
import { nameFromText, nameText, readMessage, writeMessage } from './records.js';
import { DnssecValidator, type ValidatorOptions } from './validator.js';

const TYPES: Record<string, number> = { A: 1, MX: 15, TXT: 16 };

function validator(options: Partial<ValidatorOptions> & { anchors?: readonly TrustAnchor[] } = {}) {
  const asked: string[] = [];
  const v = new DnssecValidator({
    anchors: FIXTURE_ANCHORS,
    checkUnsigned: true,
    noTimecheck: false,
    clock: () => FIXTURE_NOW,
    ask: async (name, type) => {
      const key = questionKey(nameText(name), type);
      asked.push(key);
      return recordedAnswer(key);
    },
    ...options,
  });
  const check = (question: string, answer = recordedAnswer(question)) => {
    const [name, type] = question.split(' ');
    return v.validate(answer, nameFromText(name!), TYPES[type!]!);
  };
  return { v, asked, check };
}

describe('DNSSEC validation over the chain of trust', () => {
  test.each([
    ['www.signed.test A', 'secure'],
    ['x.wild.signed.test A', 'secure'],
    ['nope.signed.test A', 'secure'],
    ['www.signed.test MX', 'secure'],
    ['www.child.signed.test A', 'secure'],
    ['www.rsa.test A', 'secure'],
    ['nope.rsa.test A', 'secure'],
    ['www.rsa.test TXT', 'secure'],
    ['www.ed.test A', 'secure'],
    ['host.insecure.signed.test A', 'insecure'],
    ['www.bad.test A', 'bogus'],
  ])('%s is %s', async (question, status) => {
    expect(await validator().check(question)).toBe(status);
  });

  test("a child zone's keys are trusted through the DS its parent signed: DS and DNSKEY asked once each, then kept", async () => {
    const { check, asked } = validator();
    expect(await check('www.child.signed.test A')).toBe('secure');
    expect(asked.sort()).toEqual(['child.signed.test DNSKEY', 'child.signed.test DS', 'signed.test DNSKEY']);
    expect(await check('www.child.signed.test A')).toBe('secure');
    expect(asked).toHaveLength(3);
  });

  test('concurrent answers from one zone ask for its keys once', async () => {
    const { check, asked } = validator();
    expect(await Promise.all([check('www.ed.test A'), check('www.ed.test A'), check('www.ed.test A')])).toEqual(['secure', 'secure', 'secure']);
    expect(asked).toEqual(['ed.test DNSKEY']);
  });

  test('an insecure delegation is proven by the NSEC at the cut (NS, no DS); the walk asks the DS questions on the way', async () => {
    const { check, asked } = validator();
    expect(await check('host.insecure.signed.test A')).toBe('insecure');
    expect(asked).toEqual(['signed.test DNSKEY', 'insecure.signed.test DS']);
  });

  test('any changed byte of the answer or its signature is bogus; so is a signature outside its validity window, unless dnssec-no-timecheck', async () => {
    const answer = recordedAnswer('www.ed.test A');
    const at = Buffer.from(answer).indexOf(Buffer.from([198, 18, 0, 84]));
    const changed = Uint8Array.from(answer);
    changed[at + 3] = 85;
    expect(await validator().check('www.ed.test A', changed)).toBe('bogus');
    const badSig = Uint8Array.from(answer);
    badSig[at + 40]! ^= 1;
    expect(await validator().check('www.ed.test A', badSig)).toBe('bogus');
    const later = FIXTURE_NOW + 11 * 365 * 86_400;
    expect(await validator({ clock: () => later }).check('www.ed.test A')).toBe('bogus');
    expect(await validator({ clock: () => later, noTimecheck: true }).check('www.ed.test A')).toBe('secure');
    expect(await validator({ clock: () => Date.UTC(2025, 0, 1) / 1000 }).check('www.ed.test A')).toBe('bogus');
  });

  test('a signature verified once is remembered with its data and key: the same signature over changed data is still bogus', async () => {
    const { check } = validator();
    const answer = recordedAnswer('www.signed.test A');
    const at = Buffer.from(answer).indexOf(Buffer.from([198, 18, 0, 80]));
    const changed = Uint8Array.from(answer);
    changed[at + 3] = 66;
    expect([await check('www.signed.test A'), await check('www.signed.test A', changed), await check('www.signed.test A')]).toEqual(['secure', 'bogus', 'secure']);
  });

  test('RRSIGs stripped from a signed zone: bogus, or insecure with dnssec-check-unsigned=no; a truncated message is bogus', async () => {
    const stripped = strip(recordedAnswer('www.signed.test A'));
    expect(await validator().check('www.signed.test A', stripped)).toBe('bogus');
    expect(await validator({ checkUnsigned: false }).check('www.signed.test A', stripped)).toBe('insecure');
    expect(await validator().check('www.signed.test A', recordedAnswer('www.signed.test A').subarray(0, 60))).toBe('bogus');
  });

  test('names under no trust anchor are insecure without a question; a wrong anchor digest makes the zone bogus; an unknown algorithm, insecure', async () => {
    const none = validator({ anchors: [] });
    expect(await none.check('www.signed.test A')).toBe('insecure');
    expect(none.asked).toEqual([]);
    const signed = FIXTURE_ANCHORS.find((a) => a.domain === 'signed.test')!;
    expect(await validator({ anchors: [{ ...signed, digest: signed.digest.replace(/^./, signed.digest[0] === '0' ? '1' : '0') }] }).check('www.signed.test A')).toBe('bogus');
    expect(await validator({ anchors: [{ ...signed, algorithm: 253 }] }).check('www.signed.test A')).toBe('insecure');
  });
});

/** The message with its RRSIG records removed (answer and authority), as a stripping middlebox would send it. */
function strip(message: Uint8Array): Uint8Array {
  const msg = readMessage(message);
  return writeMessage(message, msg.questionEnd, msg.records.filter((r) => r.type !== 46));
}

describe('damaged answers', () => {
  const questions = ['www.signed.test A', 'x.wild.signed.test A', 'nope.rsa.test A', 'host.insecure.signed.test A', 'www.ed.test A'];
  fcTest.prop([fc.constantFrom(...questions), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat()])(
    'a recorded answer with bytes changed or cut short gets a status (bogus when unreadable), never an exception',
    async (question, changes, cut) => {
      const answer = recordedAnswer(question);
      const damaged = Uint8Array.from(answer);
      for (const [at, xor] of changes) damaged[at % damaged.length]! ^= xor;
      const short = damaged.subarray(0, Math.max(12, damaged.length - (cut % 40)));
      const status = await validator().check(question, short);
      expect(['secure', 'insecure', 'bogus']).toContain(status);
    },
  );
});
