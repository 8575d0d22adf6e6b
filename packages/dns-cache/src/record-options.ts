/**
 * dnsmasq's record options (dnsmasq(8), 2.90) parsed into config data:
 * cname, mx-host, srv-host, txt-record, ptr-record, caa-record, naptr-record
 * and dns-rr. Each parser is pure and calls `bad(reason)` (which throws) on
 * the first thing it cannot read; options.ts adds the file and line.
 */
import type { CnameRecord, ConfigRecord } from './config.js';
import { canonicalName, isValidName } from './names.js';

/** Throws with the reason; options.ts turns it into a ConfigError naming the file and line. */
export type Bad = (reason: string) => never;

const TYPE_NAPTR = 35;
const TYPE_CAA = 257;

/**
 * Splits a value at commas outside double quotes and drops the quotes, as
 * dnsmasq reads `txt-record=name,"a,b",c`. Pure.
 */
export function splitFields(value: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/** A host or domain name (letters, digits, '-', '_'), canonical. */
function hostName(text: string, bad: Bad): string {
  if (!isValidName(text)) bad('bad name');
  return canonicalName(text);
}

/**
 * A name that only has to be writable (printable ASCII labels of 1..63
 * bytes): ptr-record targets and naptr replacements hold DNS-SD instance
 * names with spaces ("New Employee Page._http._tcp..."). Lowercased, as
 * dnsmasq answers them. "" stays "" (the root).
 */
function anyName(text: string, bad: Bad): string {
  const name = canonicalName(text.trim());
  if (name === '') return '';
  if (name.length > 253 || !name.split('.').every((l) => l.length > 0 && l.length <= 63 && /^[\x20-\x7e]+$/.test(l) && !l.includes('\\'))) bad('bad name');
  return name;
}

function number(text: string, bad: Bad, max: number): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) > max) bad(`bad number (0..${max})`);
  return Number(trimmed);
}

/** cname=<cname>[,<cname>...],<target>[,<TTL>]. */
export function parseCname(value: string, bad: Bad): CnameRecord {
  const fields = value.split(',').map((f) => f.trim());
  const ttl = fields.length > 2 && /^\d+$/.test(fields.at(-1)!) ? number(fields.pop()!, bad, 0x7fffffff) : undefined;
  if (fields.length < 2) bad('missing target');
  const target = hostName(fields.pop()!, bad);
  return { aliases: fields.map((f) => hostName(f, bad)), target, ttl };
}

/** mx-host=<mx name>[[,<hostname>],<preference>]: preference 1 and mx-target's host when not given. */
export function parseMxHost(value: string, bad: Bad): ConfigRecord {
  const fields = value.split(',').map((f) => f.trim());
  const name = hostName(fields.shift()!, bad);
  const preference = fields.length > 0 && /^\d+$/.test(fields.at(-1)!) ? number(fields.pop()!, bad, 0xffff) : 1;
  if (fields.length > 1) bad('too many fields');
  const exchange = fields[0] === undefined || fields[0] === '' ? undefined : hostName(fields[0], bad);
  return { name, type: 'MX', data: { preference, exchange } };
}

/**
 * srv-host=<_service>.<_prot>.[<domain>],[<target>[,<port>[,<priority>[,<weight>]]]]:
 * no target means "no such service" (target "."), port 1, priority and weight 0.
 * A name without a domain gets the domain= one (LocalRecords adds it).
 */
export function parseSrvHost(value: string, bad: Bad): ConfigRecord {
  const [rawName = '', target = '', port = '1', priority = '0', weight = '0', ...rest] = value.split(',').map((f) => f.trim());
  if (rest.length > 0) bad('too many fields');
  return {
    name: hostName(rawName, bad),
    type: 'SRV',
    data: { target: target === '' ? '' : hostName(target, bad), port: number(port, bad, 0xffff), priority: number(priority, bad, 0xffff), weight: number(weight, bad, 0xffff) },
  };
}

/** txt-record=<name>[[,<text>],<text>]: one string per field, quotes keep commas; no text is one empty string. */
export function parseTxtRecord(value: string, bad: Bad): ConfigRecord {
  const [rawName = '', ...texts] = splitFields(value);
  const strings: string[] = [];
  for (const text of texts.length > 0 ? texts : ['']) {
    if (!/^[\x20-\x7e]*$/.test(text)) bad('bad text (printable ASCII only)');
    // A TXT string holds at most 255 bytes (RFC 1035 3.3.14); dnsmasq splits longer text into 255-byte strings.
    if (text === '') strings.push('');
    for (let i = 0; i < text.length; i += 255) strings.push(text.slice(i, i + 255));
  }
  return { name: hostName(rawName.trim(), bad), type: 'TXT', data: strings };
}

/** ptr-record=<name>[,<target>]: no target answers PTR "." as dnsmasq does. */
export function parsePtrRecord(value: string, bad: Bad): ConfigRecord {
  const [rawName = '', target = '', ...rest] = splitFields(value);
  if (rest.length > 0) bad('too many fields');
  return { name: hostName(rawName.trim(), bad), type: 'PTR', data: anyName(target, bad) };
}

/** caa-record=<name>,<flags>,<tag>,<value> (RFC 8659 4.1). */
export function parseCaaRecord(value: string, bad: Bad): ConfigRecord {
  const [rawName = '', flags, tag, ...values] = splitFields(value);
  if (flags === undefined || tag === undefined || values.length === 0) bad('expected name,flags,tag,value');
  if (!/^[a-zA-Z0-9]{1,15}$/.test(tag!.trim())) bad('bad tag');
  const tagBytes = Buffer.from(tag!.trim(), 'ascii');
  const data = Buffer.concat([Uint8Array.of(number(flags!, bad, 255), tagBytes.length), tagBytes, Buffer.from(values.join(','), 'utf8')]);
  return { name: hostName(rawName.trim(), bad), type: 'UNKNOWN', code: TYPE_CAA, data: Uint8Array.from(data) };
}

/** naptr-record=<name>,<order>,<preference>,<flags>,<service>,<regexp>[,<replacement>] (RFC 3403 4.1). */
export function parseNaptrRecord(value: string, bad: Bad): ConfigRecord {
  const [rawName = '', order, preference, flags, service, regexp, replacement = '', ...rest] = splitFields(value);
  if (regexp === undefined || rest.length > 0) bad('expected name,order,preference,flags,service,regexp[,replacement]');
  const strings = [flags!, service!, regexp!].map((s) => {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > 255) bad('string over 255 bytes');
    return Buffer.concat([Uint8Array.of(bytes.length), bytes]);
  });
  const head = Buffer.alloc(4);
  head.writeUInt16BE(number(order!, bad, 0xffff), 0);
  head.writeUInt16BE(number(preference!, bad, 0xffff), 2);
  const data = Buffer.concat([head, ...strings, wireName(anyName(replacement, bad))]);
  return { name: hostName(rawName.trim(), bad), type: 'UNKNOWN', code: TYPE_NAPTR, data: Uint8Array.from(data) };
}

/** dns-rr=<name>,<RR-number>,[<hex data>]: the hex may be split by ':' (dnsmasq's form, "0a0b:0C"). */
export function parseDnsRr(value: string, bad: Bad): ConfigRecord {
  const [rawName = '', code = '', hex = '', ...rest] = value.split(',').map((f) => f.trim());
  if (rest.length > 0) bad('too many fields');
  const digits = hex.replaceAll(':', '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) bad('bad hex data');
  return { name: hostName(rawName, bad), type: 'UNKNOWN', code: number(code, bad, 0xffff), data: Uint8Array.from(Buffer.from(digits, 'hex')) };
}

/** A name in wire form, uncompressed (NAPTR's replacement must not be compressed, RFC 3403 4.1). "" is the root. */
function wireName(name: string): Buffer {
  const parts = name === '' ? [] : name.split('.').map((l) => Buffer.from(l, 'ascii'));
  return Buffer.concat([...parts.flatMap((p) => [Uint8Array.of(p.length), p]), Uint8Array.of(0)]);
}
