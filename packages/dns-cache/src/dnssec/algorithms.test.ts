import { describe, expect, test } from 'vitest';
import { dsDigest, isZoneKey, keyTag, parseDnskey, publicKeyOf, verifySignature } from './algorithms.js';
import { parseRrsig, signedData } from './canonical.js';
import { FIXTURE_ANCHORS, recordedRecords } from './fixtures.js';
import { lowerName, nameFromText, TYPE_DNSKEY, TYPE_RRSIG } from './records.js';

/** The zone's DNSKEYs and the signature over `question`'s answer, from BIND's recorded answers. */
function vector(zone: string, question: string) {
  const keys = recordedRecords(`${zone} DNSKEY`).filter((r) => r.section === 1 && r.type === TYPE_DNSKEY).map((r) => parseDnskey(r.rdata));
  const records = recordedRecords(question).filter((r) => r.section === 1);
  const data = records.filter((r) => r.type !== TYPE_RRSIG);
  const sig = parseRrsig(records.find((r) => r.type === TYPE_RRSIG)!.rdata);
  return { keys, data, sig };
}

describe("DNSKEY, DS and signatures against BIND's", () => {
  test.each([
    ['signed.test', 13],
    ['rsa.test', 8],
    ['ed.test', 15],
  ])('%s (algorithm %i): the KSK has the key tag and SHA-256 digest dnssec-dsfromkey gave', (zone, algorithm) => {
    const anchor = FIXTURE_ANCHORS.find((a) => a.domain === zone)!;
    const { keys } = vector(zone, `www.${zone} A`);
    const ksk = keys.find((k) => k.keyTag === anchor.keyTag)!;
    expect([ksk.algorithm, ksk.keyTag === keyTag(ksk.rdata), isZoneKey(ksk), ksk.flags]).toEqual([algorithm, true, true, 257]);
    expect(Buffer.from(dsDigest(2, lowerName(nameFromText(zone)), ksk.rdata)!).toString('hex')).toBe(anchor.digest);
    expect(dsDigest(3, nameFromText(zone), ksk.rdata)).toBeUndefined();
  });

  test.each(['signed.test', 'rsa.test', 'ed.test'])("%s: BIND's signature over www's A record verifies with the key it names, and not once a bit of the data or signature changes", (zone) => {
    const { keys, data, sig } = vector(zone, `www.${zone} A`);
    const key = keys.find((k) => k.keyTag === sig.keyTag)!;
    const object = publicKeyOf(key)!;
    const signed = signedData(sig, data);
    expect(verifySignature(sig.algorithm, object, signed, sig.signature)).toBe(true);
    const changed = Uint8Array.from(signed);
    changed[changed.length - 1]! ^= 1;
    expect(verifySignature(sig.algorithm, object, changed, sig.signature)).toBe(false);
    const badSig = Uint8Array.from(sig.signature);
    badSig[5]! ^= 0x10;
    expect(verifySignature(sig.algorithm, object, signed, badSig)).toBe(false);
    const other = keys.find((k) => k.keyTag !== sig.keyTag)!;
    expect(verifySignature(sig.algorithm, publicKeyOf(other)!, signed, sig.signature)).toBe(false);
  });

  test('malformed or unsupported keys give no key object, and verifying with an unknown algorithm says no', () => {
    const { keys, data, sig } = vector('signed.test', 'www.signed.test A');
    const short = parseDnskey(keys[0]!.rdata.subarray(0, 20));
    expect(publicKeyOf(short)).toBeUndefined();
    expect(publicKeyOf(parseDnskey(Uint8Array.of(1, 1, 3, 5, 3, 1, 0, 1, 9)))).toBeUndefined();
    expect(publicKeyOf(parseDnskey(Uint8Array.of(1, 1, 3, 8, 0)))).toBeUndefined();
    expect(verifySignature(7, publicKeyOf(keys[0]!)!, signedData(sig, data), sig.signature)).toBe(false);
    expect(() => parseDnskey(Uint8Array.of(1, 1))).toThrow();
  });
});
