import { describe, expect, test } from 'vitest';
import { canonicalRdata, parseRrsig, signedData, signedOwner } from './canonical.js';
import { compareNames, concat, nameFromText, nameText, readMessage, readName, WireError, type WireRecord } from './records.js';

const wire = (text: string) => nameFromText(text);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('canonical form (RFC 4034 6)', () => {
  test('names sort as RFC 4034 6.1 lists them: labels from the right, each as lowercased bytes', () => {
    // The RFC's own example, in its order; \001, \200 and * are one-byte labels.
    const ordered = [
      Uint8Array.of(7, ...Buffer.from('example'), 0),
      wire('a.example'),
      wire('yljkjljk.a.example'),
      wire('Z.a.example'),
      wire('zABC.a.EXAMPLE'),
      wire('z.example'),
      Uint8Array.of(1, 0x01, 1, 0x7a, 7, ...Buffer.from('example'), 0),
      Uint8Array.of(1, 0x2a, 1, 0x7a, 7, ...Buffer.from('example'), 0),
      Uint8Array.of(1, 0x80, 1, 0x7a, 7, ...Buffer.from('example'), 0),
    ];
    const shuffled = [...ordered].reverse().sort(compareNames);
    expect(shuffled.map(hex)).toEqual(ordered.map(hex));
    expect(compareNames(wire('A.Example'), wire('a.example'))).toBe(0);
  });

  test("rdata names of the listed types are lowercased, NSEC's next name is not (RFC 6840 5.1), other rdata is untouched", () => {
    const mx = concat([Uint8Array.of(0, 10), wire('Mail.Example')]);
    expect(hex(canonicalRdata(15, mx))).toBe(hex(concat([Uint8Array.of(0, 10), wire('mail.example')])));
    const soa = concat([wire('NS.Example'), wire('Host.Master.Example'), new Uint8Array(20).fill(0x41)]);
    expect(hex(canonicalRdata(6, soa))).toBe(hex(concat([wire('ns.example'), wire('host.master.example'), new Uint8Array(20).fill(0x41)])));
    const srv = concat([Uint8Array.of(0, 1, 0, 2, 0, 53), wire('Target.Example')]);
    expect(hex(canonicalRdata(33, srv))).toBe(hex(concat([Uint8Array.of(0, 1, 0, 2, 0, 53), wire('target.example')])));
    const nsec = concat([wire('Next.Example'), Uint8Array.of(0, 1, 0x40)]);
    expect(hex(canonicalRdata(47, nsec))).toBe(hex(nsec));
    const txt = Uint8Array.of(2, 0x41, 0x42);
    expect(hex(canonicalRdata(16, txt))).toBe(hex(txt));
  });

  test('a wildcard answer is signed over *.<the last Labels labels>, lowercased; more Labels than the owner has is an error', () => {
    expect(nameText(signedOwner(wire('X.Y.Wild.Example'), 2))).toBe('*.wild.example');
    expect(nameText(signedOwner(wire('Www.Example'), 2))).toBe('www.example');
    expect(() => signedOwner(wire('www.example'), 3)).toThrow(WireError);
  });

  test('the signed data is the RRSIG prefix, then each distinct record in rdata order with the original TTL', () => {
    const sigRdata = concat([Uint8Array.of(0, 1, 13, 2, 0, 0, 0x0e, 0x10, 0, 0, 0, 2, 0, 0, 0, 1, 0x30, 0x39), wire('Example'), Uint8Array.of(9, 9)]);
    const sig = parseRrsig(sigRdata);
    expect([sig.typeCovered, sig.algorithm, sig.labels, sig.originalTtl, sig.keyTag, nameText(sig.signer), hex(sig.signature)]).toEqual([1, 13, 2, 3600, 12345, 'example', '0909']);
    const rr = (last: number): WireRecord => ({ section: 1, owner: wire('WWW.example'), type: 1, klass: 1, ttl: 5, rdata: Uint8Array.of(198, 18, 0, last), at: -1, typeAt: -1 });
    const data = signedData(sig, [rr(9), rr(2), rr(9)]);
    const record = (last: number) => concat([wire('www.example'), Uint8Array.of(0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 198, 18, 0, last)]);
    expect(hex(data)).toBe(hex(concat([sigRdata.subarray(0, 18), wire('example'), record(2), record(9)])));
  });

  test('names are read through compression pointers; pointers forward or in a loop are errors, never a hang', () => {
    const msg = concat([new Uint8Array(12), wire('a.example'), Uint8Array.of(3, 0x77, 0x77, 0x77, 0xc0, 12)]);
    expect(nameText(readName(msg, 23).name)).toBe('www.a.example');
    expect(() => readName(Uint8Array.of(0xc0, 0), 0)).toThrow(WireError);
    expect(() => readName(Uint8Array.of(1, 0x61, 0xc0, 0), 0)).toThrow(WireError);
    expect(() => readName(Uint8Array.of(0xc0, 2, 0xc0, 0), 2)).toThrow(WireError);
    expect(() => readMessage(Uint8Array.of(0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0))).toThrow(WireError);
  });
});
