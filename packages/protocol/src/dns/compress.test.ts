import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { compressDns } from './compress.js';
import { decodeDns } from './decode.js';
import { encodeDns } from './encode.js';
import { readQuestion } from './question.js';
import { dnsMessage, dnsMessageWithQuestion } from './testing.js';
import { minTtl, rewriteTtls } from './ttl.js';
import type { DnsMessage } from './types.js';

describe('name compression', () => {
  test.prop([dnsMessage], { numRuns: 400 })('a compressed message decodes to the same message and is no longer', (message) => {
    const full = encodeDns(message);
    const compressed = compressDns(full);
    expect(decodeDns(compressed)).toStrictEqual(message);
    expect(compressed.length).toBeLessThanOrEqual(full.length);
  });

  test.prop([dnsMessage], { numRuns: 200 })('compressing twice gives the same bytes as compressing once', (message) => {
    const once = compressDns(encodeDns(message));
    expect(compressDns(once)).toStrictEqual(once);
  });

  test.prop([dnsMessageWithQuestion, fc.integer({ min: 0, max: 1000 })], { numRuns: 200 })(
    'the fast path reads a compressed message as it reads the full one',
    (message, elapsed) => {
      const full = encodeDns(message);
      const compressed = compressDns(full);
      expect(readQuestion(compressed)).toStrictEqual({ ...readQuestion(full), end: readQuestion(compressed).end });
      expect(minTtl(compressed)).toBe(minTtl(full));
      rewriteTtls(full, elapsed);
      rewriteTtls(compressed, elapsed);
      expect(decodeDns(compressed)).toStrictEqual(decodeDns(full));
    },
  );

  test('repeated names become pointers to their first occurrence, keeping case', () => {
    const message: DnsMessage = {
      id: 7, qr: true, opcode: 0, aa: false, tc: false, rd: true, ra: true, z: false, ad: false, cd: false, rcode: 0,
      questions: [{ name: 'www.Example.org', type: 1, class: 1 }],
      answers: [
        { name: 'www.Example.org', type: 'CNAME', class: 1, ttl: 60, data: 'web.Example.org' },
        { name: 'web.example.org', type: 'A', class: 1, ttl: 60, data: '198.18.0.1' },
      ],
      authorities: [],
      additionals: [],
    };
    const bytes = compressDns(encodeDns(message));
    const hex = Buffer.from(bytes).toString('hex');
    // The CNAME owner is a pointer to the question (c00c); its target writes "web" then points at "Example.org" (c010).
    expect(hex).toContain(['c00c', '0005', '0001', '0000003c', '0006', '03776562', 'c010'].join(''));
    expect(decodeDns(bytes)).toStrictEqual(message);
  });
});
