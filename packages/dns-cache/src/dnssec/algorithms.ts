/**
 * DNSSEC's cryptography on node:crypto: DNSKEY public keys as KeyObjects
 * (RSA RFC 3110, ECDSA RFC 6605, EdDSA RFC 8080, through JWK), signature
 * verification, key tags (RFC 4034 appendix B) and DS digests (RFC 4034
 * 5.1.4, RFC 4509, RFC 6605). Algorithms 8, 10, 13, 14, 15 and 16 validate
 * (RFC 8624's MUST and RECOMMENDED ones); anything else is "unsupported",
 * which RFC 4035 5.2 treats as an unsigned zone, not a bogus one. Pure.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { WireError } from './records.js';

/** The DNSKEY flags that matter (RFC 4034 2.1.1, RFC 5011 2.1). */
const FLAG_ZONE = 0x0100;
const FLAG_REVOKE = 0x0080;

const HASH_OF: Readonly<Record<number, string | null>> = { 8: 'sha256', 10: 'sha512', 13: 'sha256', 14: 'sha384', 15: null, 16: null };
const DIGEST_OF: Readonly<Record<number, string>> = { 1: 'sha1', 2: 'sha256', 4: 'sha384' };

export function isSupportedAlgorithm(algorithm: number): boolean {
  return algorithm in HASH_OF;
}

export function isSupportedDigest(digestType: number): boolean {
  return digestType in DIGEST_OF;
}

export interface Dnskey {
  readonly flags: number;
  readonly algorithm: number;
  readonly keyTag: number;
  readonly rdata: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Reads DNSKEY rdata. Throws WireError when shorter than its fixed part. */
export function parseDnskey(rdata: Uint8Array): Dnskey {
  if (rdata.length < 4) throw new WireError('DNSKEY too short');
  return { flags: (rdata[0]! << 8) | rdata[1]!, algorithm: rdata[3]!, keyTag: keyTag(rdata), rdata, publicKey: rdata.subarray(4) };
}

/** A zone key that is not revoked: the only kind that may sign a zone's data (RFC 4035 5.3.1, RFC 5011 2.1). */
export function isZoneKey(key: Dnskey): boolean {
  return (key.flags & FLAG_ZONE) !== 0 && (key.flags & FLAG_REVOKE) === 0;
}

/** RFC 4034 appendix B (algorithm 1's exception is not needed: RSA/MD5 is not supported). */
export function keyTag(rdata: Uint8Array): number {
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

/** The DS digest of a DNSKEY (owner name lowercased wire | DNSKEY rdata), or undefined for an unknown digest type. */
export function dsDigest(digestType: number, owner: Uint8Array, dnskeyRdata: Uint8Array): Uint8Array | undefined {
  const hash = DIGEST_OF[digestType];
  if (hash === undefined) return undefined;
  return createHash(hash).update(owner).update(dnskeyRdata).digest();
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** The key as a KeyObject, or undefined when the algorithm is unsupported or the key malformed. */
export function publicKeyOf(key: Dnskey): KeyObject | undefined {
  const p = key.publicKey;
  try {
    switch (key.algorithm) {
      case 8:
      case 10: {
        // RFC 3110 2: a one-byte exponent length, or 0 and then two bytes.
        const long = p[0] === 0;
        const expLen = long ? ((p[1]! << 8) | p[2]!) : p[0]!;
        const at = long ? 3 : 1;
        if (expLen === 0 || at + expLen >= p.length) return undefined;
        return createPublicKey({ key: { kty: 'RSA', e: b64url(p.subarray(at, at + expLen)), n: b64url(p.subarray(at + expLen)) }, format: 'jwk' });
      }
      case 13:
      case 14: {
        const half = key.algorithm === 13 ? 32 : 48;
        if (p.length !== 2 * half) return undefined;
        return createPublicKey({ key: { kty: 'EC', crv: key.algorithm === 13 ? 'P-256' : 'P-384', x: b64url(p.subarray(0, half)), y: b64url(p.subarray(half)) }, format: 'jwk' });
      }
      case 15:
      case 16:
        if (p.length !== (key.algorithm === 15 ? 32 : 57)) return undefined;
        return createPublicKey({ key: { kty: 'OKP', crv: key.algorithm === 15 ? 'Ed25519' : 'Ed448', x: b64url(p) }, format: 'jwk' });
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** Whether `signature` is the algorithm's signature over `data` by `key` (ECDSA as r|s, RFC 6605 4). */
export function verifySignature(algorithm: number, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const hash = HASH_OF[algorithm];
  if (hash === undefined) return false;
  try {
    if (algorithm === 13 || algorithm === 14) return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    return verify(hash, data, key, signature);
  } catch {
    return false;
  }
}
