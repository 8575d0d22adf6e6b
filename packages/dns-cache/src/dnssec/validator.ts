/**
 * DNSSEC validation of upstream answers (RFC 4035 5), as dnsmasq's
 * `dnssec` does it: every RRset of the answer and authority sections that
 * carries RRSIGs is checked against its signer's DNSKEYs, which are trusted
 * through DS records signed by the parent zone, up to a configured trust
 * anchor (the signer names lead the way up). Unsigned data is checked by
 * walking down from the closest anchor with DS questions until a zone cut
 * without DS is proven (an insecure delegation, NSEC or NSEC3) or the data's
 * own zone is found signed (bogus, unless dnssec-check-unsigned=no). Negative
 * answers from signed zones need their NSEC/NSEC3 proof, and so do answers
 * made from a wildcard.
 *
 * Validated DNSKEY sets and zone cuts are kept (bounded, for their TTLs,
 * at most an hour), and concurrent questions for the same zone's keys are
 * asked once. Names outside every trust anchor are insecure.
 */
import type { KeyObject } from 'node:crypto';
import { LruMap } from '@leasehold/protocol';
import type { TrustAnchor } from '../config.js';
import { dsDigest, isSupportedAlgorithm, isSupportedDigest, isZoneKey, parseDnskey, publicKeyOf, verifySignature, type Dnskey } from './algorithms.js';
import { parseRrsig, signedData, type Rrsig } from './canonical.js';
import { delegationAt, parseNsec, parseNsec3, provesNoName, provesNoType, provesWildcard, type Nsec, type Nsec3 } from './denial.js';
import {
  ancestor, isWireAtOrBelow, labelCount, lowerName, nameFromText, nameKey, readMessage,
  TYPE_CNAME, TYPE_DNSKEY, TYPE_DS, TYPE_NSEC, TYPE_NSEC3, TYPE_RRSIG, WireError, type WireMessage, type WireRecord,
} from './records.js';

export type DnssecStatus = 'secure' | 'insecure' | 'bogus';

export interface ValidatorOptions {
  readonly anchors: readonly TrustAnchor[];
  readonly checkUnsigned: boolean;
  readonly noTimecheck: boolean;
  /** Asks the upstreams (DO and CD set) for name/type; undefined when none answered. */
  readonly ask: (name: Uint8Array, type: number) => Promise<Uint8Array | undefined>;
  /** Seconds since the epoch: signature validity windows are wall-clock times. */
  readonly clock?: () => number;
}

interface TrustedKey {
  readonly key: Dnskey;
  readonly object: KeyObject;
}

/** What is known of a zone's keys: trusted ones, unsigned (no DS, or only unsupported algorithms), or bogus. */
type ZoneTrust = { readonly kind: 'secure'; readonly keys: readonly TrustedKey[] } | { readonly kind: 'insecure' | 'bogus' };

/** What a DS question for a name said: a signed zone starts there, an unsigned one, none (same zone), nothing below exists. */
type Cut = 'zone' | 'insecure' | 'no-cut' | 'absent' | 'bogus';

interface Rrset {
  readonly records: WireRecord[];
  readonly sigs: Rrsig[];
}

const MAX_CACHED_SECONDS = 3600;
const TYPE_ANY = 255;
/** RFC 4035 4.7 allows caching bogus results briefly, so a broken zone does not cost a chain of questions per query. */
const BOGUS_SECONDS = 10;

const int32 = (n: number) => n | 0;

export class DnssecValidator {
  readonly #zones = new LruMap<string, { trust: ZoneTrust; until: number }>(1024);
  readonly #cuts = new LruMap<string, { cut: Cut; until: number }>(4096);
  readonly #pending = new Map<string, Promise<unknown>>();
  /**
   * Signatures already verified: by signature bytes, the data they were over
   * and the trusted key. The same RRset comes back in answer after answer
   * (a zone's NS set in every authority section, the NSEC records of its
   * proofs, a wildcard's one signature), and checking the bytes are equal
   * costs far less than verifying again (110 µs for ECDSA P-256).
   */
  readonly #verified = new LruMap<string, { data: Uint8Array; key: Dnskey }>(4096);
  readonly #clock: () => number;
  /** The anchors' domains as wire names, deepest first. */
  readonly #anchorZones: Uint8Array[];

  constructor(readonly options: ValidatorOptions) {
    this.#clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.#anchorZones = options.anchors.map((a) => nameFromText(a.domain)).sort((a, b) => labelCount(b) - labelCount(a));
  }

  /** The status of an upstream answer to (qname, qtype). Never throws: malformed is bogus. */
  async validate(answer: Uint8Array, qname: Uint8Array, qtype: number): Promise<DnssecStatus> {
    // Without anchors nothing can be secure or proven bogus: no need to read the answer.
    if (this.#anchorZones.length === 0) return 'insecure';
    try {
      return await this.#validate(readMessage(answer), qname, qtype);
    } catch (error) {
      if (error instanceof WireError) return 'bogus';
      throw error;
    }
  }

  async #validate(msg: WireMessage, qname: Uint8Array, qtype: number): Promise<DnssecStatus> {
    if (msg.rcode !== 0 && msg.rcode !== 3) return 'insecure';
    const statuses: DnssecStatus[] = [];
    const wildcards: { owner: Uint8Array; labels: number }[] = [];
    const nsecs: Nsec[] = [];
    const nsec3s: Nsec3[] = [];
    let target = qname;
    for (const [section, sets] of [[1, rrsets(msg, 1)], [2, rrsets(msg, 2)]] as const) {
      for (const set of sets) {
        const first = set.records[0]!;
        if (section === 2 && set.sigs.length === 0) continue;
        const status = set.sigs.length > 0 ? await this.#verifyRrset(set) : await this.#unsigned(first.owner);
        statuses.push(status);
        if (status !== 'secure') continue;
        if (first.type === TYPE_NSEC) nsecs.push(...set.records.map(parseNsec));
        if (first.type === TYPE_NSEC3) for (const r of set.records) { const n = parseNsec3(r); if (n) nsec3s.push(n); }
        const labels = Math.min(...set.sigs.map((s) => s.labels));
        if (section === 1 && labels < labelCount(first.owner)) wildcards.push({ owner: first.owner, labels });
        if (section === 1 && first.type === TYPE_CNAME && qtype !== TYPE_CNAME) target = lowerName(first.rdata);
      }
    }
    // A CNAME chain's last target is the name a negative answer is about.
    const hasAnswer = qtype === TYPE_ANY || msg.records.some((r) => r.section === 1 && r.type === qtype && nameKey(r.owner) === nameKey(target));
    if (msg.rcode === 3 || !hasAnswer) statuses.push(await this.#denial(msg, target, qtype, nsecs, nsec3s));
    for (const w of wildcards) if (!provesWildcard(w.owner, w.labels, nsecs, nsec3s)) statuses.push('bogus');
    if (statuses.includes('bogus')) return 'bogus';
    return statuses.length > 0 && statuses.every((s) => s === 'secure') ? 'secure' : 'insecure';
  }

  /** A negative answer: insecure outside signed zones; else its NSEC/NSEC3 proof decides. */
  async #denial(msg: WireMessage, name: Uint8Array, qtype: number, nsecs: Nsec[], nsec3s: Nsec3[]): Promise<DnssecStatus> {
    const zone = await this.#zoneOf(name);
    if (zone !== 'secure') return zone;
    const proven = msg.rcode === 3 ? provesNoName(name, nsecs, nsec3s) : provesNoType(name, qtype, nsecs, nsec3s);
    if (proven) return 'secure';
    const unsigned = !msg.records.some((r) => r.type === TYPE_RRSIG);
    return unsigned && !this.options.checkUnsigned ? 'insecure' : 'bogus';
  }

  /** Unsigned data at `owner`: fine in an unsigned zone; in a signed one, only with dnssec-check-unsigned=no. */
  async #unsigned(owner: Uint8Array): Promise<DnssecStatus> {
    const zone = await this.#zoneOf(owner);
    if (zone === 'insecure') return 'insecure';
    return this.options.checkUnsigned ? 'bogus' : 'insecure';
  }

  /** One signed RRset: secure when one of its signatures verifies with a trusted key of its signer. */
  async #verifyRrset(set: Rrset): Promise<DnssecStatus> {
    const first = set.records[0]!;
    let insecure = false;
    for (const sig of set.sigs) {
      if (!isWireAtOrBelow(first.owner, sig.signer) || sig.labels > labelCount(first.owner)) continue;
      // A DS record is its parent's data, never signed by the zone it delegates to (RFC 4035 5.2).
      if (first.type === TYPE_DS && nameKey(sig.signer) === nameKey(first.owner)) continue;
      const trust = await this.#trust(sig.signer);
      if (trust.kind === 'insecure') insecure = true;
      if (trust.kind !== 'secure' || !this.#inWindow(sig)) continue;
      if (this.#verifiedBy(sig, set.records, trust.keys)) return 'secure';
    }
    return insecure ? 'insecure' : 'bogus';
  }

  #verifiedBy(sig: Rrsig, records: readonly WireRecord[], keys: readonly TrustedKey[]): boolean {
    const data = signedData(sig, records);
    const memo = Buffer.from(sig.signature).toString('latin1');
    const seen = this.#verified.get(memo);
    // Only with a key still trusted: a zone's keys fetched again are new objects, and are verified with again.
    if (seen !== undefined && Buffer.compare(seen.data, data) === 0 && keys.some((k) => k.key === seen.key)) return true;
    const signer = keys.find((k) => k.key.keyTag === sig.keyTag && k.key.algorithm === sig.algorithm && verifySignature(sig.algorithm, k.object, data, sig.signature));
    if (signer !== undefined) this.#verified.set(memo, { data, key: signer.key });
    return signer !== undefined;
  }

  /** RFC 4034 3.1.5: inception ≤ now ≤ expiration in serial-number arithmetic. */
  #inWindow(sig: Rrsig): boolean {
    if (this.options.noTimecheck) return true;
    const now = this.#clock();
    return int32(now - sig.inception) >= 0 && int32(sig.expiration - now) >= 0;
  }

  /** The deepest trust anchor at or above `name`, as a wire name. */
  #anchorOver(name: Uint8Array): Uint8Array | undefined {
    return this.#anchorZones.find((zone) => isWireAtOrBelow(name, zone));
  }

  /** Once per key at a time: concurrent callers share the first one's promise. */
  #once<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.#pending.get(key) as Promise<T> | undefined;
    if (running !== undefined) return running;
    const started = work().finally(() => this.#pending.delete(key));
    this.#pending.set(key, started);
    return started;
  }

  /** The trusted keys of `zone` (cached). */
  #trust(zone: Uint8Array): Promise<ZoneTrust> {
    const key = nameKey(zone);
    const cached = this.#zones.get(key);
    if (cached !== undefined && cached.until > this.#clock()) return Promise.resolve(cached.trust);
    return this.#once(`k${key}`, async () => {
      const { trust, ttl } = await this.#fetchTrust(zone);
      if (ttl > 0) this.#zones.set(key, { trust, until: this.#clock() + Math.min(ttl, trust.kind === 'bogus' ? BOGUS_SECONDS : MAX_CACHED_SECONDS) });
      return trust;
    });
  }

  async #fetchTrust(zone: Uint8Array): Promise<{ trust: ZoneTrust; ttl: number }> {
    const anchor = this.#anchorOver(zone);
    if (anchor === undefined) return { trust: { kind: 'insecure' }, ttl: MAX_CACHED_SECONDS };
    let ds: { keyTag: number; algorithm: number; digestType: number; digest: Uint8Array }[];
    let ttl = MAX_CACHED_SECONDS;
    if (nameKey(anchor) === nameKey(zone)) {
      ds = this.options.anchors.filter((a) => nameKey(nameFromText(a.domain)) === nameKey(zone)).map((a) => ({ ...a, digest: Buffer.from(a.digest, 'hex') }));
    } else {
      const reply = await this.options.ask(zone, TYPE_DS);
      if (reply === undefined) return { trust: { kind: 'bogus' }, ttl: 0 };
      const set = rrsets(readMessage(reply), 1).find((s) => s.records[0]!.type === TYPE_DS && nameKey(s.records[0]!.owner) === nameKey(zone));
      if (set === undefined || set.sigs.length === 0) {
        // No signed DS: the zone is unsigned only if the walk from the anchor proves it.
        const status = await this.#zoneOf(zone);
        return { trust: { kind: status === 'insecure' ? 'insecure' : 'bogus' }, ttl: status === 'insecure' ? MAX_CACHED_SECONDS : BOGUS_SECONDS };
      }
      const status = await this.#verifyRrset(set);
      if (status !== 'secure') return { trust: { kind: status }, ttl: BOGUS_SECONDS };
      ds = set.records.map((r) => ({ keyTag: (r.rdata[0]! << 8) | r.rdata[1]!, algorithm: r.rdata[2]!, digestType: r.rdata[3]!, digest: r.rdata.subarray(4) }));
      ttl = Math.min(ttl, ...set.records.map((r) => r.ttl));
    }
    // RFC 4035 5.2: a DS set with no algorithm or digest we can check makes the zone unsigned, not bogus.
    const usable = ds.filter((d) => isSupportedAlgorithm(d.algorithm) && isSupportedDigest(d.digestType));
    if (usable.length === 0) return { trust: { kind: 'insecure' }, ttl };
    const reply = await this.options.ask(zone, TYPE_DNSKEY);
    if (reply === undefined) return { trust: { kind: 'bogus' }, ttl: 0 };
    const set = rrsets(readMessage(reply), 1).find((s) => s.records[0]!.type === TYPE_DNSKEY && nameKey(s.records[0]!.owner) === nameKey(zone));
    if (set === undefined) return { trust: { kind: 'bogus' }, ttl: BOGUS_SECONDS };
    const keys = set.records.map((r) => parseDnskey(r.rdata)).filter(isZoneKey);
    const owner = lowerName(zone);
    const entry = keys.filter((k) => usable.some((d) => d.keyTag === k.keyTag && d.algorithm === k.algorithm && Buffer.compare(dsDigest(d.digestType, owner, k.rdata) ?? new Uint8Array(), d.digest) === 0));
    const trustedEntry = entry.flatMap((key) => { const object = publicKeyOf(key); return object ? [{ key, object }] : []; });
    if (!set.sigs.some((sig) => nameKey(sig.signer) === nameKey(zone) && this.#inWindow(sig) && this.#verifiedBy(sig, set.records, trustedEntry))) {
      return { trust: { kind: 'bogus' }, ttl: BOGUS_SECONDS };
    }
    const trusted = keys.flatMap((key) => { const object = publicKeyOf(key); return object ? [{ key, object }] : []; });
    return { trust: { kind: 'secure', keys: trusted }, ttl: Math.min(ttl, ...set.records.map((r) => r.ttl)) };
  }

  /** Whether `name` lies in a signed zone: walk down from the closest anchor with DS questions. */
  async #zoneOf(name: Uint8Array): Promise<DnssecStatus> {
    const anchor = this.#anchorOver(name);
    if (anchor === undefined) return 'insecure';
    const top = await this.#trust(anchor);
    if (top.kind !== 'secure') return top.kind;
    for (let i = labelCount(name) - labelCount(anchor) - 1; i >= 0; i--) {
      const cut = await this.#cut(ancestor(name, i));
      if (cut === 'insecure' || cut === 'bogus') return cut;
      if (cut === 'absent') break;
    }
    return 'secure';
  }

  /** What a DS question for `child` proves (cached). */
  #cut(child: Uint8Array): Promise<Cut> {
    const key = nameKey(child);
    const cached = this.#cuts.get(key);
    if (cached !== undefined && cached.until > this.#clock()) return Promise.resolve(cached.cut);
    return this.#once(`c${key}`, async () => {
      const { cut, ttl } = await this.#fetchCut(child);
      if (ttl > 0) this.#cuts.set(key, { cut, until: this.#clock() + Math.min(ttl, cut === 'bogus' ? BOGUS_SECONDS : MAX_CACHED_SECONDS) });
      return cut;
    });
  }

  async #fetchCut(child: Uint8Array): Promise<{ cut: Cut; ttl: number }> {
    const reply = await this.options.ask(child, TYPE_DS);
    if (reply === undefined) return { cut: 'bogus', ttl: 0 };
    const msg = readMessage(reply);
    const ttl = Math.min(MAX_CACHED_SECONDS, ...msg.records.map((r) => r.ttl));
    const ds = rrsets(msg, 1).find((s) => s.records[0]!.type === TYPE_DS && nameKey(s.records[0]!.owner) === nameKey(child));
    if (ds !== undefined) {
      // Checked by the parent's keys only (never the child's: #trust(child) may be what is asking).
      const status = ds.sigs.length === 0 ? 'bogus' : await this.#verifyRrset(ds);
      const usable = ds.records.some((r) => isSupportedAlgorithm(r.rdata[2] ?? 0) && isSupportedDigest(r.rdata[3] ?? 0));
      return { cut: status === 'secure' ? (usable ? 'zone' : 'insecure') : status, ttl };
    }
    if (msg.rcode === 3) return { cut: 'absent', ttl };
    const nsecs: Nsec[] = [];
    const nsec3s: Nsec3[] = [];
    for (const set of rrsets(msg, 2)) {
      const type = set.records[0]!.type;
      if ((type !== TYPE_NSEC && type !== TYPE_NSEC3) || (await this.#verifyRrset(set)) !== 'secure') continue;
      if (type === TYPE_NSEC) nsecs.push(...set.records.map(parseNsec));
      else for (const r of set.records) { const n = parseNsec3(r); if (n) nsec3s.push(n); }
    }
    const found = delegationAt(child, nsecs, nsec3s);
    return { cut: found === 'unproven' ? 'bogus' : found, ttl };
  }
}

/** The RRsets of one section, each with the RRSIGs that cover it. */
function rrsets(msg: WireMessage, section: 1 | 2): Rrset[] {
  const sets = new Map<string, Rrset>();
  const keyOf = (owner: Uint8Array, type: number, klass: number) => `${nameKey(owner)}|${type}|${klass}`;
  for (const r of msg.records) {
    if (r.section !== section || r.type === TYPE_RRSIG || r.type === 41) continue;
    const k = keyOf(r.owner, r.type, r.klass);
    const set = sets.get(k) ?? { records: [], sigs: [] };
    set.records.push(r);
    sets.set(k, set);
  }
  for (const r of msg.records) {
    if (r.section !== section || r.type !== TYPE_RRSIG || r.rdata.length < 2) continue;
    sets.get(keyOf(r.owner, (r.rdata[0]! << 8) | r.rdata[1]!, r.klass))?.sigs.push(parseRrsig(r.rdata));
  }
  return [...sets.values()];
}
