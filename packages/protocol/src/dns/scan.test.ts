import { describe, expect, test } from 'vitest';
import { decodeDns } from './decode.js';
import { DnsDecodeError, type DnsDecodeErrorKind } from './errors.js';
import { copyQuestionCase, readQuestion } from './question.js';
import { minTtl, rewriteTtls } from './ttl.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** The error `read` throws on `bytes`, checked to be a DnsDecodeError. */
function errorOf(read: (b: Uint8Array) => unknown, bytes: Uint8Array): DnsDecodeError {
  try {
    read(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(DnsDecodeError);
    return error as DnsDecodeError;
  }
  throw new Error('expected a DnsDecodeError, got a value');
}

function expectError(bytes: Uint8Array, kind: DnsDecodeErrorKind, offset: number, reason: RegExp): void {
  const error = errorOf(decodeDns, bytes);
  expect({ kind: error.kind, offset: error.offset }).toStrictEqual({ kind, offset });
  expect(error.reason).toMatch(reason);
  expect(error.message).toBe(`dns: ${error.reason} at offset ${offset}`);
}

const QUERY_HEADER = 'abcd 0100 0001 0000 0000 0000';
const RESPONSE_HEADER = (an: number) => `abcd 8180 0001 000${an} 0000 0000`;
const QUESTION = '01 61 00 0001 0001';

describe('the pre-scan names what was wrong with a bad message and where', () => {
  test('a message shorter than the header is truncated at its end', () => {
    expectError(hex('abcd 0100 0001'), 'truncated', 6, /header needs 12 bytes, message has 6/);
  });

  test('a question cut inside its name is truncated at the missing byte', () => {
    expectError(hex(`${QUERY_HEADER} 03 616263`), 'truncated', 16, /question 1 of 1: name runs past the end/);
  });

  test('a question cut inside its label is truncated at that label', () => {
    expectError(hex(`${QUERY_HEADER} 05 6162`), 'truncated', 12, /label of 5 bytes runs past the end/);
  });

  test('a record cut inside its rdata names the rdlength field', () => {
    expectError(hex(`${RESPONSE_HEADER(1)} ${QUESTION} c00c 0001 0001 0000003c 0004 0a00`), 'truncated', 29, /answer 1 of 1: rdata of 4 bytes runs past the end/);
  });

  test('a count that promises more records than the message holds is count-past-end', () => {
    expectError(hex(`${RESPONSE_HEADER(2)} ${QUESTION} c00c 0001 0001 0000003c 0004 0a000001`), 'count-past-end', 35, /ANCOUNT is 2 but the message ends after 1 answer entries/);
  });

  test('a pointer to itself is a compression loop at the pointer', () => {
    expectError(hex(`${RESPONSE_HEADER(1)} ${QUESTION} c013 0001 0001 0000003c 0004 0a000001`), 'compression-loop', 19, /pointer to 19 leads back into the name/);
  });

  test('a pointer back to the first label of its own name is a compression loop', () => {
    const bytes = hex(`${RESPONSE_HEADER(1)} ${QUESTION} 01 62 c013 0001 0001 0000003c 0004 0a000001`);
    expectError(bytes, 'compression-loop', 21, /pointer to 19 leads back/);
  });

  test('a pointer forward, past the end, or into the header is a bad pointer', () => {
    expectError(hex(`${RESPONSE_HEADER(1)} ${QUESTION} c01d 0001 0001 0000003c 0004 0a000001`), 'bad-pointer', 19, /pointer to 29 points forward/);
    expectError(hex(`${RESPONSE_HEADER(1)} ${QUESTION} c3ff 0001 0001 0000003c 0004 0a000001`), 'bad-pointer', 19, /pointer to 1023 is past the end/);
    expectError(hex(`${RESPONSE_HEADER(1)} ${QUESTION} c002 0001 0001 0000003c 0004 0a000001`), 'bad-pointer', 19, /points into the header/);
  });

  test('a label length over 63 is label-too-long at its length byte', () => {
    expectError(hex(`${QUERY_HEADER} 01 61 40 ${'61'.repeat(64)} 00 0001 0001`), 'label-too-long', 14, /0x40 is over 63/);
  });

  test('a name over 255 bytes is name-too-long at the label that crosses the limit', () => {
    // Four 63-byte labels: 4 * 64 + 1 = 257 bytes; the fourth label starts at 12 + 3 * 64.
    const label = `3f ${'61'.repeat(63)}`;
    expectError(hex(`${QUERY_HEADER} ${label} ${label} ${label} ${label} 00 0001 0001`), 'name-too-long', 204, /reaches 257 bytes, over 255/);
  });

  test('a name of exactly 255 bytes is accepted', () => {
    const label = `3f ${'61'.repeat(63)}`;
    const name = `${label} ${label} ${label} 3d ${'61'.repeat(61)} 00`;
    expect(decodeDns(hex(`${QUERY_HEADER} ${name} 0001 0001`)).questions[0]!.name).toHaveLength(253);
  });

  test('rdata that does not match its type is bad-rdata', () => {
    expectError(hex(`${RESPONSE_HEADER(1)} ${QUESTION} c00c 0001 0001 0000003c 0005 0a00000100`), 'bad-rdata', 29, /A rdata is 5 bytes, not 4/);
    expectError(hex(`${RESPONSE_HEADER(1)} ${QUESTION} c00c 0005 0001 0000003c 0003 c00c 00`), 'bad-rdata', 31, /name in rdata ends at 33 but rdata ends at 34/);
    expectError(hex(`${RESPONSE_HEADER(1)} ${QUESTION} c00c 0010 0001 0000003c 0003 05 6162`), 'bad-rdata', 31, /TXT string of 5 bytes runs past the rdata/);
  });

  test('an OPT record outside the additional section, a second one, or one with malformed options is bad-opt', () => {
    const opt = '00 0029 1000 00000000 0000';
    expectError(hex(`abcd 0100 0000 0001 0000 0000 ${opt}`), 'bad-opt', 12, /OPT record outside the additional section/);
    expectError(hex(`abcd 0100 0000 0000 0000 0002 ${opt} ${opt}`), 'bad-opt', 23, /second OPT record/);
    expectError(hex(`abcd 0100 0000 0000 0000 0001 00 0029 1000 00000000 0005 000a 0009 00`), 'bad-opt', 23, /option 10 of 9 bytes runs past the rdata/);
    expectError(hex(`abcd 0100 0000 0000 0000 0001 00 0029 1000 00000000 0004 0008 0000`), 'bad-opt', 23, /option 8 has a malformed length 0/);
  });

  test('a label byte without a text form is unsupported-name, for decodeDns only', () => {
    const bytes = hex(`${QUERY_HEADER} 03 61 2e 62 00 0001 0001`);
    expectError(bytes, 'unsupported-name', 14, /label byte 0x2e has no text form/);
    expect(readQuestion(bytes).name).toBe('a\\.b');
  });
});

describe('the fast-path readers report the same faults', () => {
  const loop = hex(`${RESPONSE_HEADER(1)} ${QUESTION} c013 0001 0001 0000003c 0004 0a000001`);
  const overCount = hex(`${RESPONSE_HEADER(2)} ${QUESTION} c00c 0001 0001 0000003c 0004 0a000001`);
  const longLabel = hex(`${QUERY_HEADER} 01 61 40 ${'61'.repeat(64)} 00 0001 0001`);

  test('rewriteTtls and minTtl reject a pointer that is not strictly backwards, and change nothing', () => {
    const copy = Uint8Array.from(loop);
    expect(errorOf((b) => rewriteTtls(b, 1), copy)).toMatchObject({ kind: 'compression-loop', offset: 19 });
    expect(copy).toStrictEqual(loop);
    expect(errorOf(minTtl, loop)).toMatchObject({ kind: 'compression-loop', offset: 19 });
  });

  test('rewriteTtls and minTtl reject a count past the end at the end of the message', () => {
    const copy = Uint8Array.from(overCount);
    expect(errorOf((b) => rewriteTtls(b, 1), copy)).toMatchObject({ kind: 'count-past-end', offset: 35 });
    expect(copy).toStrictEqual(overCount);
  });

  test('readQuestion and copyQuestionCase reject a label over 63 at its length byte', () => {
    expect(errorOf(readQuestion, longLabel)).toMatchObject({ kind: 'label-too-long', offset: 14 });
    expect(errorOf((b) => copyQuestionCase(b, b), longLabel)).toMatchObject({ kind: 'label-too-long', offset: 14 });
  });

  test('readQuestion rejects a message without a question', () => {
    expect(errorOf(readQuestion, hex('abcd 0100 0000 0000 0000 0000'))).toMatchObject({ kind: 'no-question', offset: 4 });
  });
});
