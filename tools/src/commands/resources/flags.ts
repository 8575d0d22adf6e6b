/**
 * Parsing flag values shared by the resource commands. Every parser is pure
 * and throws `CliError` INVALID_FLAG naming the flag, so a typo is reported
 * the same way as an API validation error.
 */
import { badFlag } from './errors.js';

/** Commander collector for a repeatable flag; a preceding `--no-<flag>` (false) starts an empty list. Pure. */
export function collect(value: string, previous: string[] | false | undefined): string[] {
  return [...(previous || []), value];
}

/** A repeatable flag as a request list: absent stays absent, `--no-<flag>` alone is the empty list. Pure. */
export function listOf<T>(values: readonly string[] | false | undefined, parse: (text: string) => T): T[] | undefined {
  if (values === undefined) return undefined;
  if (values === false) return [];
  return values.map(parse);
}

/** A whole number flag within [min, max]. Pure. */
export function parseInteger(flag: string, text: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(text.trim())) throw badFlag(flag, `${flag} wants a whole number, not ${JSON.stringify(text)}`);
  const n = Number(text);
  if (n < min || n > max) throw badFlag(flag, `${flag} must be between ${min} and ${max}, not ${n}`);
  return n;
}

/** `NAME=VALUE` (the value may itself contain '='). Pure. */
export function parseKeyValue(flag: string, text: string): { key: string; value: string } {
  const at = text.indexOf('=');
  if (at <= 0) throw badFlag(flag, `${flag} wants NAME=VALUE, not ${JSON.stringify(text)}`);
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}

/** `k1=v1,k2=v2` with keys from `allowed` (aliases map to one name). Pure. */
function parsePairs(flag: string, text: string, allowed: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const { key, value } = parseKeyValue(flag, part);
    const name = allowed[key.toLowerCase()];
    if (name === undefined) {
      throw badFlag(flag, `${flag}: unknown key ${JSON.stringify(key)} (use ${[...new Set(Object.keys(allowed))].join(', ')})`);
    }
    out[name] = value;
  }
  return out;
}

/** An address range: `START-END` or `start=START,end=END`. Pure. */
export function parseRange(flag: string, text: string): { start: string; end: string } {
  if (text.includes('=')) {
    const pairs = parsePairs(flag, text, { start: 'start', end: 'end' });
    if (pairs.start !== undefined && pairs.end !== undefined) return { start: pairs.start, end: pairs.end };
  } else {
    const parts = text.split('-');
    if (parts.length === 2 && parts[0] && parts[1]) return { start: parts[0], end: parts[1] };
  }
  throw badFlag(flag, `${flag} wants START-END (e.g. 198.18.0.10-198.18.0.99), not ${JSON.stringify(text)}`);
}

/** A host route: `DEST=NEXTHOP` or `destination=DEST,gateway=NEXTHOP`. Pure. */
export function parseHostRoute(flag: string, text: string): { destination: string; nexthop: string } {
  if (text.includes(',')) {
    const pairs = parsePairs(flag, text, { destination: 'destination', gateway: 'nexthop', nexthop: 'nexthop' });
    if (pairs.destination !== undefined && pairs.nexthop !== undefined) return { destination: pairs.destination, nexthop: pairs.nexthop };
    throw badFlag(flag, `${flag} wants destination=CIDR,gateway=IP, not ${JSON.stringify(text)}`);
  }
  const { key, value } = parseKeyValue(flag, text);
  if (!value) throw badFlag(flag, `${flag} wants DEST=NEXTHOP (e.g. 198.19.0.0/16=198.18.0.1), not ${JSON.stringify(text)}`);
  return { destination: key, nexthop: value };
}

/** A fixed IP request: `subnet=SUBNET,ip=IP`, either part optional (not both). SUBNET may be a name. Pure. */
export function parseFixedIp(flag: string, text: string): { subnet?: string; ip?: string } {
  const pairs = parsePairs(flag, text, {
    subnet: 'subnet',
    'subnet-id': 'subnet',
    subnet_id: 'subnet',
    ip: 'ip',
    'ip-address': 'ip',
    ip_address: 'ip',
  });
  if (pairs.subnet === undefined && pairs.ip === undefined) throw badFlag(flag, `${flag} wants subnet=SUBNET,ip=IP (either part may be left out)`);
  return { ...(pairs.subnet !== undefined ? { subnet: pairs.subnet } : {}), ...(pairs.ip !== undefined ? { ip: pairs.ip } : {}) };
}

/** `--enable` / `--disable` as admin_state_up: both given is a mistake. Pure. */
export function adminState(opts: { enable?: boolean; disable?: boolean }): boolean | undefined {
  if (opts.enable && opts.disable) throw badFlag('--enable', '--enable and --disable cannot both be given');
  return opts.enable ? true : opts.disable ? false : undefined;
}

/** Copies the defined entries only, so absent flags send absent fields. Pure. */
export function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
