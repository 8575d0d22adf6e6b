import { decodeDns } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { query } from '../test-harness.js';
import { recordedAnswer } from './fixtures.js';
import { readMessage, writeMessage } from './records.js';
import { clientAnswer, upstreamQuery } from './shape.js';

const types = (bytes: Uint8Array) => {
  const m = decodeDns(bytes);
  return [...m.answers, ...m.authorities, ...m.additionals].map((r) => (r.type === 'UNKNOWN' ? r.code : r.type));
};

describe('the messages around validation', () => {
  test('a question goes upstream with CD and an OPT with DO: added when the client sent none, its own DO bit set when it did', () => {
    const plain = decodeDns(upstreamQuery(query('www.signed.test', 7), 1232));
    expect([plain.cd, plain.additionals]).toEqual([true, [expect.objectContaining({ type: 'OPT', udpPayloadSize: 1232, dnssecOk: true })]]);
    const edns = decodeDns(upstreamQuery(query('www.signed.test', 7, 1, 4096), 1232));
    expect([edns.id, edns.questions[0]!.name, edns.additionals]).toEqual([7, 'www.signed.test', [expect.objectContaining({ type: 'OPT', udpPayloadSize: 4096, dnssecOk: true })]]);
  });

  test('a DO client gets the signatures, DO and AD; an EDNS client without DO gets neither RRSIG nor DO, and AD only if it set AD', () => {
    const answer = recordedAnswer('www.signed.test A');
    const withDo = clientAnswer(answer, 'secure', { edns: true, dnssecOk: true, ad: false, cd: false }, 1);
    expect(types(withDo)).toEqual(['A', 46, 'NS', 46, 'A', 46, 'OPT']);
    expect([decodeDns(withDo).ad, decodeDns(withDo).cd, decodeDns(withDo).additionals.find((r) => r.type === 'OPT')]).toEqual([true, false, expect.objectContaining({ dnssecOk: true })]);
    const withoutDo = clientAnswer(answer, 'secure', { edns: true, dnssecOk: false, ad: false, cd: false }, 1);
    expect(types(withoutDo)).toEqual(['A', 'NS', 'A', 'OPT']);
    expect([decodeDns(withoutDo).ad, decodeDns(withoutDo).additionals.at(-1)]).toEqual([false, expect.objectContaining({ dnssecOk: false })]);
    expect(decodeDns(clientAnswer(answer, 'secure', { edns: true, dnssecOk: false, ad: true, cd: false }, 1)).ad).toBe(true);
    expect(decodeDns(clientAnswer(answer, 'insecure', { edns: true, dnssecOk: true, ad: true, cd: true }, 1))).toMatchObject({ ad: false, cd: true });
  });

  test('unsigned data to a client without EDNS: the same records, the OPT cut off the end and counted out', () => {
    const signed = recordedAnswer('host.insecure.signed.test A');
    const msg = readMessage(signed);
    const unsigned = writeMessage(signed, msg.questionEnd, msg.records.filter((r) => r.type !== 46 && r.type !== 47));
    const out = clientAnswer(unsigned, 'insecure', { edns: false, dnssecOk: false, ad: false, cd: false }, 1);
    expect(types(out)).toEqual(types(unsigned).filter((t) => t !== 'OPT'));
    expect(out.length).toBeLessThan(unsigned.length);
  });
});
