import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeDomainSearch, domainNameLength, encodeDomainSearch, parseDomainName, readDomainName, writeDomainName } from './domain-name.js';
import { DhcpDomainNameError, DhcpEncodeError } from './errors.js';
import { domainName } from './testing.js';

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

describe('domain names in options 81 and 119', () => {
  test.prop([fc.array(domainName(true), { maxLength: 8 })])('a compressed search list decodes to the same names', (names) => {
    expect(decodeDomainSearch(encodeDomainSearch(names), 0, 119)).toEqual(names);
  });

  test.prop([fc.array(domainName(true), { maxLength: 8 })])(
    'compression never makes a search list longer, and every repeated name shrinks to a pointer',
    (names) => {
      const plain = names.reduce((n, name) => n + domainNameLength(parseDomainName(name)), 0);
      const compressed = encodeDomainSearch(names).length;
      expect(compressed).toBeLessThanOrEqual(plain);
      const seen = new Set<string>();
      let saved = 0;
      for (const name of names) {
        if (seen.has(name) && name !== '.') saved += domainNameLength(parseDomainName(name)) - 2;
        seen.add(name);
      }
      expect(plain - compressed).toBeGreaterThanOrEqual(saved);
    },
  );

  test.prop([fc.boolean().chain(domainName)])('a name written without compression reads back as the same text', (name) => {
    const parsed = parseDomainName(name);
    const bytes = new Uint8Array(domainNameLength(parsed));
    expect(writeDomainName(parsed, bytes, 0)).toBe(bytes.length);
    expect(readDomainName(bytes, 0, bytes.length, 0, 81, false)).toEqual({ name, next: bytes.length });
  });

  test('the RFC 3397 section 4 list compresses marketing.apple.com. to a pointer at apple.com.', () => {
    expect(Array.from(encodeDomainSearch(['eng.apple.com.', 'marketing.apple.com.']))).toEqual([
      3, ...ascii('eng'), 5, ...ascii('apple'), 3, ...ascii('com'), 0, 9, ...ascii('marketing'), 0xc0, 0x04,
    ]);
  });

  test('a name without a trailing dot is written as fully qualified in a search list', () => {
    expect(encodeDomainSearch(['example.com'])).toEqual(encodeDomainSearch(['example.com.']));
  });

  test('dots, backslashes and unprintable bytes inside labels are escaped and survive', () => {
    const bytes = Uint8Array.from([4, 0x61, 0x2e, 0x5c, 0x20, 1, 0xff, 0]);
    const { name } = readDomainName(bytes, 0, bytes.length, 0, 119, true);
    expect(name).toBe('a\\.\\\\\\032.\\255.');
    expect(encodeDomainSearch([name])).toEqual(bytes);
  });

  test.each(['a..b', '.a', 'a\\', 'a\\x\u0100', 'h\u0101'])('the malformed name %j is refused when encoding', (name) => {
    expect(() => parseDomainName(name)).toThrow(DhcpEncodeError);
  });

  test('a pointer to a pointer to itself is a compression loop, found without looping', () => {
    const bytes = Uint8Array.from([0xc0, 0x02, 0xc0, 0x00]);
    expect(() => readDomainName(bytes, 0, bytes.length, 100, 119, true)).toThrow(DhcpDomainNameError);
    expect(() => readDomainName(bytes, 0, bytes.length, 100, 119, true)).toThrow(/compression loop/);
  });
});
