/**
 * What a fault test concludes from the load generator's records and the
 * journal's lease events: which ACKs have no durable event behind them,
 * whether an address was ever bound to two clients at once, what each
 * client holds at the end, and around a fault how long no client got an
 * ACK and how long a client waited. All pure.
 */
import type { AckRecord, NakRecord, RequestRecord } from './loadgen-records.js';

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

/** An interval in which no client got an ACK. */
export interface Silence {
  /** The ACK that opened it, or the window's start. */
  readonly start: number;
  /** The ACK that closed it, or the window's end. */
  readonly end: number;
  /** end - start. */
  readonly ms: number;
}

/**
 * The longest interval inside the window [from, to] in which no client got
 * an ACK: the largest gap between consecutive ACK times in the window, the
 * window's edges counting as bounds (no ACK at all: the whole window). ACKs
 * outside the window do not matter, and an ACK of a request already in flight
 * just after a fault does not hide the silence after it (issue 14: the gap
 * around the fault's instant measured that one). The earliest of equal
 * silences. Pure.
 */
export function longestSilence(ackTimes: readonly number[], from: number, to: number): Silence {
  if (!(from <= to)) throw new RangeError(`a window ends before it starts: [${from}, ${to}]`);
  const inside = ackTimes.filter((t) => t > from && t < to).sort((x, y) => x - y);
  let best: Silence = { start: from, end: from, ms: -1 };
  let previous = from;
  for (const t of [...inside, to]) {
    if (t - previous > best.ms) best = { start: previous, end: t, ms: t - previous };
    previous = t;
  }
  return best;
}

/** How long one request waited: from when the client began wanting it to its ACK or NAK, or to `now` while unanswered. */
export interface Wait {
  readonly request: number;
  readonly client: number;
  readonly kind: RequestRecord['kind'];
  readonly start: number;
  readonly end: number;
  /** What ended it; undefined: still unanswered at `now`. */
  readonly answer: 'ack' | 'nak' | undefined;
  /** end - start, retransmissions and exchanges started over included. */
  readonly ms: number;
}

/**
 * Every request's wait: ended by the first ACK or NAK that names it, or open
 * until `now` (a client that is never answered waits on). Pure.
 */
export function requestWaits(requests: readonly RequestRecord[], acks: readonly AckRecord[], naks: readonly NakRecord[], now: number): Wait[] {
  const answers = new Map<number, { at: number; answer: 'ack' | 'nak' }>();
  const note = (request: number, at: number, answer: 'ack' | 'nak') => {
    const seen = answers.get(request);
    if (!seen || at < seen.at) answers.set(request, { at, answer });
  };
  for (const a of acks) note(a.request, a.at, 'ack');
  for (const n of naks) note(n.request, n.at, 'nak');
  return requests.map((r) => {
    const answered = answers.get(r.id);
    const end = answered?.at ?? Math.max(now, r.at);
    return { request: r.id, client: r.client, kind: r.kind, start: r.at, end, answer: answered?.answer, ms: end - r.at };
  });
}

/**
 * The longest wait among the requests open at some moment of [from, to]
 * (begun by `to`, not answered before `from`), measured whole: a request
 * begun before the window or answered after it counts from its start to its
 * answer. Undefined when no request was open. Pure.
 */
export function longestWait(waits: readonly Wait[], from: number, to: number): Wait | undefined {
  let best: Wait | undefined;
  for (const w of waits) {
    if (w.start > to || w.end < from) continue;
    if (!best || w.ms > best.ms) best = w;
  }
  return best;
}

/** The q-quantile (0..1) of `values` by the nearest-rank method; undefined when empty. Pure. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
