/**
 * How the demo prints journal events for a person: one line each, sequence
 * number, type, the aggregate's subject, and the event's data as key=value
 * with addresses dotted and instants as clock times.
 */
import { formatIpv4 } from '@leasehold/protocol';

/** Data keys that hold an IPv4 address as a 32-bit number. */
const addressKeys = new Set(['ip', 'ipAddress', 'address', 'gatewayIp', 'serverIp']);
/** Data keys that hold an instant in ms since the epoch. */
const instantKeys = new Set(['at', 'expiresAt', 'renewAt', 'rebindAt', 'quarantineUntil', 'heartbeatAt']);

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function show(key: string, value: unknown): string {
  if (typeof value === 'number' && addressKeys.has(key) && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return formatIpv4(value);
  if (typeof value === 'number' && instantKeys.has(key)) return clock(value);
  if (typeof value === 'string') return /[\s,=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (Array.isArray(value)) return `[${value.map((v) => show(key, v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}:${show(k, v)}`).join(',')}}`;
  }
  return String(value);
}

/** `key=value ...` for an event's data, cut to `width` characters with "…". Pure. */
export function formatEventData(data: unknown, width = 100): string {
  const text =
    data !== null && typeof data === 'object' && !Array.isArray(data)
      ? Object.entries(data as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${show(k, v)}`)
          .join(' ')
      : show('', data);
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** One printed line for a stored event. Pure. */
export function eventLine(stored: { readonly seq: number; readonly subject: string; readonly event: { readonly type: string; readonly data: unknown } }, width = 100): string {
  return `#${String(stored.seq).padEnd(5)} ${stored.event.type.padEnd(18)} ${stored.subject}\n         ${formatEventData(stored.event.data, width)}`;
}
