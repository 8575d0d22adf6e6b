/**
 * What a fault test concludes from the load generator's records and the
 * journal's lease events: which ACKs have no durable event behind them,
 * whether an address was ever bound to two clients at once, what each
 * client holds at the end, and how long service stopped around a fault.
 * All pure.
 */
import type { AckRecord, NakRecord } from './loadgen.js';

/** One lease event as read back from the journal (addresses dotted). */
export interface LeaseFact {
  readonly seq: number;
  readonly type: string;
  readonly ip: string;
  readonly mac: string | undefined;
  readonly at: number;
  /** For LeaseBound/LeaseRenewed: when the lease ends unless renewed. */
  readonly expiresAt?: number;
}

/**
 * ACKs with no journaled LeaseBound/LeaseRenewed behind them: each ACK is
 * matched to its own event for the same client and address written no later
 * than the ACK arrived (the agent sends an ACK only after its event is
 * stored, so a missing match is a lost lease). Pure.
 */
export function unjournaledAcks(acks: readonly AckRecord[], facts: readonly LeaseFact[]): AckRecord[] {
  const events = new Map<string, number[]>();
  for (const f of facts) {
    if ((f.type !== 'LeaseBound' && f.type !== 'LeaseRenewed') || f.mac === undefined) continue;
    const key = `${f.mac} ${f.ip}`;
    const list = events.get(key) ?? [];
    list.push(f.at);
    events.set(key, list);
  }
  for (const list of events.values()) list.sort((a, b) => a - b);
  const used = new Map<string, number>();
  const missing: AckRecord[] = [];
  // Oldest ACK first takes the oldest event: a greedy match is optimal when both sides are sorted.
  for (const ack of [...acks].sort((a, b) => a.at - b.at)) {
    const key = `${ack.mac} ${ack.ip}`;
    const list = events.get(key) ?? [];
    const next = used.get(key) ?? 0;
    if (next < list.length && list[next]! <= ack.at) used.set(key, next + 1);
    else missing.push(ack);
  }
  return missing;
}

export interface DoubleBinding {
  readonly ip: string;
  readonly holder: string;
  readonly intruder: string;
  readonly seq: number;
}

/**
 * Folds the lease events of one network in stream order and reports every
 * bind of an address to a client while another client held it (bound or
 * renewed, not yet released, declined, expired, or past its end). Pure.
 */
export function doubleBindings(facts: readonly LeaseFact[]): DoubleBinding[] {
  const held = new Map<string, { mac: string; until: number }>();
  const out: DoubleBinding[] = [];
  for (const f of [...facts].sort((a, b) => a.seq - b.seq)) {
    const current = held.get(f.ip);
    if (f.type === 'LeaseBound' || f.type === 'LeaseRenewed') {
      if (current && current.mac !== f.mac && f.at < current.until) out.push({ ip: f.ip, holder: current.mac, intruder: f.mac ?? '?', seq: f.seq });
      held.set(f.ip, { mac: f.mac ?? '?', until: f.expiresAt ?? Number.POSITIVE_INFINITY });
    } else {
      held.delete(f.ip);
    }
  }
  return out;
}

/** The address → client map that the last event of each address leaves bound. Pure. */
export function boundAtEnd(facts: readonly LeaseFact[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of [...facts].sort((a, b) => a.seq - b.seq)) {
    if ((f.type === 'LeaseBound' || f.type === 'LeaseRenewed') && f.mac !== undefined) out.set(f.ip, f.mac);
    else out.delete(f.ip);
  }
  return out;
}

/** What each client believes it holds after all its ACKs and NAKs: its latest ACK, unless a NAK came after it. Pure. */
export function clientHoldings(acks: readonly AckRecord[], naks: readonly NakRecord[]): Map<string, string> {
  const last = new Map<string, { at: number; ip: string | undefined }>();
  const note = (mac: string, at: number, ip: string | undefined) => {
    const seen = last.get(mac);
    if (!seen || at >= seen.at) last.set(mac, { at, ip });
  };
  for (const a of acks) note(a.mac, a.at, a.ip);
  for (const n of naks) note(n.mac, n.at, undefined);
  const out = new Map<string, string>();
  for (const [mac, { ip }] of last) if (ip !== undefined) out.set(mac, ip);
  return out;
}

/** Addresses two or more clients believe they hold at once. Pure. */
export function sharedAddresses(holdings: ReadonlyMap<string, string>): string[] {
  const seen = new Map<string, number>();
  for (const ip of holdings.values()) seen.set(ip, (seen.get(ip) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([ip]) => ip);
}

export interface ServiceGap {
  /** The last ACK before the fault (undefined: none). */
  readonly lastBefore: number | undefined;
  /** The first ACK after it (undefined: none yet). */
  readonly firstAfter: number | undefined;
  /** firstAfter - lastBefore: how long no client got an answer. */
  readonly gapMs: number | undefined;
}

/** The gap in service around `at`: from the last ACK at or before it to the first one after it. Pure. */
export function serviceGap(ackTimes: readonly number[], at: number): ServiceGap {
  let lastBefore: number | undefined;
  let firstAfter: number | undefined;
  for (const t of ackTimes) {
    if (t <= at) lastBefore = lastBefore === undefined ? t : Math.max(lastBefore, t);
    else firstAfter = firstAfter === undefined ? t : Math.min(firstAfter, t);
  }
  return { lastBefore, firstAfter, gapMs: lastBefore !== undefined && firstAfter !== undefined ? firstAfter - lastBefore : undefined };
}

/** The q-quantile (0..1) of `values` by the nearest-rank method; undefined when empty. Pure. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
