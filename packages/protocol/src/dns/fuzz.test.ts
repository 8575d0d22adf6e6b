/**
 * Arbitrary and damaged bytes: every decoder and fast-path reader either
 * returns a value or throws DnsDecodeError, and never the catch-all 'library'
 * kind (which would mean dns-packet threw on something the pre-scan passed).
 * 60,000 cases in all, half of them damaged valid messages (some compressed).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeDns } from './decode.js';
import { encodeDns } from './encode.js';
import { DnsDecodeError } from './errors.js';
import { copyQuestionCase, readDnsId, readQuestion, rewriteId } from './question.js';
import { mutatedDnsBytes } from './testing.js';
import { minTtl, rewriteTtls } from './ttl.js';

/** Runs `read`; a thrown error must be a DnsDecodeError of a kind other than 'library'. */
function valueOrTypedError<T>(read: () => T): T | DnsDecodeError {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof DnsDecodeError)) throw error;
    expect(error.kind).not.toBe('library');
    expect(Number.isInteger(error.offset) && error.offset >= 0).toBe(true);
    return error;
  }
}

/** Random bytes behind a header with small counts, so the walk gets past the header. */
const plausible = fc
  .tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }), fc.uint8Array({ maxLength: 200 }))
  .map(([head, counts, body]) => Uint8Array.from([...head, ...counts.flatMap((c) => [0, c]), ...body]));

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), plausible, mutatedDnsBytes);

describe('decodeDns on arbitrary bytes', () => {
  test.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: 10_000 })('random bytes decode to a message or a typed error', (bytes) => {
    valueOrTypedError(() => decodeDns(bytes));
  });

  test.prop([plausible], { numRuns: 10_000 })('random bodies behind a plausible header decode to a message or a typed error', (bytes) => {
    valueOrTypedError(() => decodeDns(bytes));
  });

  test.prop([mutatedDnsBytes], { numRuns: 14_000 })(
    'damaged valid messages decode to a message that re-encodes to the same message, or a typed error',
    (bytes) => {
      const decoded = valueOrTypedError(() => decodeDns(bytes));
      if (!(decoded instanceof DnsDecodeError)) expect(decodeDns(encodeDns(decoded))).toStrictEqual(decoded);
    },
  );
});

describe('the fast path on arbitrary bytes', () => {
  test.prop([anyBytes], { numRuns: 14_000 })('every reader returns a value or a typed error and leaves a failing message unchanged', (bytes) => {
    const before = Uint8Array.from(bytes);
    valueOrTypedError(() => readDnsId(bytes));
    valueOrTypedError(() => readQuestion(bytes));
    valueOrTypedError(() => minTtl(bytes));
    const copy = Uint8Array.from(bytes);
    if (valueOrTypedError(() => copyQuestionCase(copy, before)) instanceof DnsDecodeError) expect(copy).toStrictEqual(before);
    if (valueOrTypedError(() => rewriteTtls(bytes, 7)) instanceof DnsDecodeError) expect(bytes).toStrictEqual(before);
    valueOrTypedError(() => rewriteId(bytes, 0x4242));
  });

  test.prop([fc.oneof(plausible, mutatedDnsBytes)], { numRuns: 12_000 })(
    'whatever decodeDns accepts, the fast path reads in agreement with it',
    (bytes) => {
      const decoded = valueOrTypedError(() => decodeDns(bytes));
      if (decoded instanceof DnsDecodeError) return;
      const q = decoded.questions[0];
      if (q) expect(readQuestion(bytes)).toMatchObject({ name: q.name, type: q.type, class: q.class });
      else expect(() => readQuestion(bytes)).toThrow(DnsDecodeError);
      expect(readDnsId(bytes)).toBe(decoded.id);
      expect(() => minTtl(bytes)).not.toThrow();
      rewriteTtls(bytes, () => 0);
      const zeroed = decodeDns(bytes);
      for (const key of ['answers', 'authorities', 'additionals'] as const) {
        expect(zeroed[key].map((r) => ('ttl' in r ? r.ttl : 'opt'))).toStrictEqual(decoded[key].map((r) => ('ttl' in r ? 0 : 'opt')));
      }
    },
  );
});
