/**
 * How tools print events: one readable line (sequence, time, subject, type,
 * the data in compact `key=value` form with addresses as dotted text and
 * timestamps as ISO instants), or one JSON object per line. Events carry
 * IPv4 addresses as uint32 numbers; a number alone cannot say it is an
 * address, so the field name does (`ip`, `gatewayIp`, `dnsNameservers`...).
 */
import { formatIpv4, isIpv4, type EventEnvelope } from '@leasehold/protocol';

/** What a reader hands the renderer: the stored event, or why it could not be decoded. */
export interface EventRecord {
  readonly seq: number;
  readonly subject: string;
  /** When the server stored it (ms since the epoch). */
  readonly stored?: number;
  readonly event?: EventEnvelope;
  readonly error?: string;
}

/** Field names whose numbers are IPv4 addresses (singly or as a list). */
const IPV4_FIELDS = new Set(['ip', 'ipAddress', 'gatewayIp', 'nexthop', 'requestedIp', 'address', 'first', 'last', 'dnsNameservers', 'giaddr', 'ciaddr', 'yiaddr']);

/** A field holding milliseconds since the epoch (`at`, `expiresAt`, `quarantineUntil`, `dhcpSince`...). Pure. */
function isTimeField(key: string, value: number): boolean {
  return (key === 'at' || /(At|Until|Since)$/.test(key)) && Number.isFinite(value) && value > 1e11 && value < 1e14;
}

/** ISO text of a time in ms, or the number when it is not a valid date. Pure. */
export function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** A value with addresses, CIDRs, ranges and times made readable, for display. Pure. */
export function readable(value: unknown, key = ''): unknown {
  if (typeof value === 'number') {
    if (IPV4_FIELDS.has(key) && isIpv4(value)) return formatIpv4(value);
    if (isTimeField(key, value)) return isoTime(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => readable(v, key));
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  if (value instanceof Map) return readable(Object.fromEntries(value), key);
  if (value instanceof Set) return readable([...value], key);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 2 && isIpv4(o.address) && typeof o.prefix === 'number') return `${formatIpv4(o.address as number)}/${o.prefix}`;
    if (isIpv4(o.first) && isIpv4(o.last) && keys.every((k) => k === 'first' || k === 'last' || k === 'subnetId')) {
      return `${formatIpv4(o.first as number)}-${formatIpv4(o.last as number)}`;
    }
    // An IPv6 pool: its addresses are RFC 5952 text already (Subnet6Created).
    if (keys.length === 2 && typeof o.first === 'string' && typeof o.last === 'string' && o.first.includes(':')) return `${o.first}-${o.last}`;
    return Object.fromEntries(keys.map((k) => [k, readable(o[k], k)]));
  }
  return value;
}

const BARE = /^[\w.:\-/@+*>]+$/;

/** Compact one-line text of a readable value: `{k=v, ...}`, `[a, b]`, bare words, quoted strings otherwise. Pure. */
export function compact(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return BARE.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(compact).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${compact(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** The data of an event as `key=value key=value`, readable. Pure. */
export function renderData(data: unknown): string {
  const r = readable(data);
  if (r !== null && typeof r === 'object' && !Array.isArray(r)) {
    return Object.entries(r as Record<string, unknown>)
      .map(([k, v]) => `${k}=${compact(v)}`)
      .join(' ');
  }
  return compact(r);
}

/** One line: `seq time subject type data` (or the decode error). Pure. */
export function renderEventLine(record: EventRecord): string {
  if (!record.event) {
    const time = record.stored === undefined ? '-' : isoTime(record.stored);
    return `${record.seq} ${time} ${record.subject} <undecodable> ${record.error ?? ''}`.trimEnd();
  }
  const e = record.event;
  return `${record.seq} ${isoTime(e.at)} ${record.subject} ${e.type} ${renderData(e.data)}`.trimEnd();
}

/** JSON-safe copy: BigInt as text, bytes as hex, Map/Set as object/array, Date as ISO. Pure. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return jsonSafe(Object.fromEntries(value));
  if (value instanceof Set) return jsonSafe([...value]);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

/**
 * One JSON object: `{seq, subject, time, type, v, id, aggregate, at,
 * causation?, correlation?, data}` with data exactly as stored (addresses
 * stay numbers, so the output can be fed back to code). Pure.
 */
export function renderEventJson(record: EventRecord): string {
  if (!record.event) return JSON.stringify({ seq: record.seq, subject: record.subject, error: record.error ?? 'undecodable' });
  const { type, v, id, aggregate, at, causation, correlation, data } = record.event;
  return JSON.stringify(
    jsonSafe({ seq: record.seq, subject: record.subject, time: isoTime(at), type, v, id, aggregate, at, causation, correlation, data }),
  );
}
