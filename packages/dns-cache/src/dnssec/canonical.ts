/**
 * What an RRSIG signs (RFC 4034 3.1.8.1): its own rdata up to the signature,
 * then each record of the RRset in canonical form (6.2: owner and the listed
 * rdata names lowercased, uncompressed, the TTL the RRSIG's Original TTL) in
 * canonical order (6.3: by rdata bytes, duplicates removed), with the owner
 * rebuilt as `*.<closest encloser>` when the answer came from a wildcard.
 * Pure.
 */
import { ancestor, concat, labelCount, lowerName, nameLayout, readName, TYPE_NSEC, WireError, type WireRecord } from './records.js';

/** RRSIG rdata (RFC 4034 3.1). */
export interface Rrsig {
  readonly typeCovered: number;
  readonly algorithm: number;
  readonly labels: number;
  readonly originalTtl: number;
  readonly expiration: number;
  readonly inception: number;
  readonly keyTag: number;
  /** Lowercased. */
  readonly signer: Uint8Array;
  readonly signature: Uint8Array;
  /** The rdata before the signature, signer lowercased: the start of the signed data. */
  readonly signedPrefix: Uint8Array;
}

/** Reads RRSIG rdata (names in it are never compressed, RFC 4034 3.1.7). Throws WireError. */
export function parseRrsig(rdata: Uint8Array): Rrsig {
  if (rdata.length < 19) throw new WireError('RRSIG too short');
  const v = new DataView(rdata.buffer, rdata.byteOffset, rdata.byteLength);
  const { name, end } = readName(rdata, 18);
  const signer = lowerName(name);
  return {
    typeCovered: v.getUint16(0),
    algorithm: rdata[2]!,
    labels: rdata[3]!,
    originalTtl: v.getUint32(4),
    expiration: v.getUint32(8),
    inception: v.getUint32(12),
    keyTag: v.getUint16(16),
    signer,
    signature: rdata.subarray(end),
    signedPrefix: concat([rdata.subarray(0, 18), signer]),
  };
}

/** RFC 4034 6.2 item 3: the names of these types' rdata are lowercased; NSEC's are not (RFC 6840 5.1). */
export function canonicalRdata(type: number, rdata: Uint8Array): Uint8Array {
  const layout = nameLayout(type);
  if (layout === undefined || type === TYPE_NSEC) return rdata;
  const out = Uint8Array.from(rdata);
  let o = layout.skip;
  for (let i = 0; i < layout.names; i++) {
    const { name, end } = readName(rdata, o);
    out.set(lowerName(name), o);
    o = end;
  }
  return out;
}

/** The owner a signature covers: the record's, or `*.<last labels>` when RRSIG Labels is fewer (RFC 4035 5.3.2). */
export function signedOwner(owner: Uint8Array, labels: number): Uint8Array {
  const count = labelCount(owner);
  if (labels > count) throw new WireError('RRSIG Labels over the owner name');
  const lower = lowerName(owner);
  return labels === count ? lower : concat([Uint8Array.of(1, 0x2a), ancestor(lower, count - labels)]);
}

/** The bytes the RRSIG's signature is over, for this RRset (all records one owner, type and class). */
export function signedData(sig: Rrsig, rrset: readonly WireRecord[]): Uint8Array {
  const first = rrset[0]!;
  const owner = signedOwner(first.owner, sig.labels);
  const fixed = new Uint8Array(8);
  const view = new DataView(fixed.buffer);
  view.setUint16(0, first.type);
  view.setUint16(2, first.klass);
  view.setUint32(4, sig.originalTtl);
  const rdatas = rrset.map((r) => canonicalRdata(r.type, r.rdata)).sort((a, b) => Buffer.compare(a, b));
  const parts: Uint8Array[] = [sig.signedPrefix];
  rdatas.forEach((rdata, i) => {
    if (i > 0 && Buffer.compare(rdata, rdatas[i - 1]!) === 0) return;
    parts.push(owner, fixed, Uint8Array.of(rdata.length >> 8, rdata.length & 0xff), rdata);
  });
  return concat(parts);
}
