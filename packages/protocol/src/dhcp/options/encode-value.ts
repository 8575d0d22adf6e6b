/**
 * Option values written as text in dnsmasq 2.90's syntax (dnsmasq(8),
 * `--dhcp-option`): comma-separated lists, "0.0.0.0" meaning this server,
 * quotes forcing literal text, times with units. Each value becomes the
 * option to send: typed where the codec types the code (the codec then
 * writes it, `option-values.ts`), raw bytes otherwise. Classless routes are
 * written by the codec's one RFC 3442 encoder, raw or typed.
 */
import { formatIpv4, tryParseIpv4, type Ipv4 } from '../../ipv4/address.js';
import { isNetmask, parseCidr } from '../../ipv4/cidr.js';
import { domainNameLength, parseDomainName, writeDomainName } from '../domain-name.js';
import { DhcpOptionTextError } from '../errors.js';
import type { ClasslessRoute, DhcpOption } from '../message.js';
import { isKnownOption, optionValueLength, writeOptionValue } from '../option-values.js';
import { dhcpOptionSpec, type DhcpOptionSpec } from './table.js';

export interface DhcpOptionTextContext {
  /** Replaces 0.0.0.0 in address values (dnsmasq: "the address of the machine running dnsmasq"). */
  readonly serverId?: Ipv4;
}

export interface DhcpOptionTextValue {
  readonly option: DhcpOption;
  /** For options 121 and 249: the routes, so a reply can keep them consistent with option 3. */
  readonly routes?: readonly ClasslessRoute[];
}

/** RFC 3442 section 3 data of classless routes (options 121 and 249), by the codec's encoder. Throws `DhcpEncodeError` for a prefix over 32. Pure. */
export function encodeClasslessRoutes(routes: readonly ClasslessRoute[]): Uint8Array {
  const option: DhcpOption = { code: 121, value: routes };
  const out = new Uint8Array(optionValueLength(option));
  writeOptionValue(option, out, 0);
  return out;
}

/**
 * The option a non-empty value text gives option `code`. Codes in the table
 * take their type; codes the codec types (1, 3, 6, 12, 15, 26, 28, 42, 58,
 * 59, 60, 66, 67, 119, 121) come back typed, others as raw bytes. A code
 * without a type is read like dnsmasq reads one: quoted text as text; a list
 * of dotted quads as addresses; colon-separated hex as bytes; a decimal as the
 * smallest of 1, 2 or 4 bytes (or forced by a b/s/i suffix); anything else as
 * text. Text is sent as its UTF-8 bytes. Throws `DhcpOptionTextError`. Pure.
 */
export function encodeDhcpOptionText(code: number, text: string, context: DhcpOptionTextContext = {}): DhcpOptionTextValue {
  const bad = (reason: string): never => {
    throw new DhcpOptionTextError(code, reason);
  };
  const spec = dhcpOptionSpec(code);
  return spec === undefined || spec.kind === 'auto' ? untyped(code, text, context, bad) : typedByTable(spec, text, context, bad);
}

type Bad = (reason: string) => never;

const utf8 = new TextEncoder();

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim());
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** `thisServer`: 0.0.0.0 means the server (not in a netmask or an address/mask pair). */
function addresses(value: string, thisServer: boolean, context: DhcpOptionTextContext, bad: Bad): Ipv4[] {
  return splitList(value).map((item) => {
    const ip = tryParseIpv4(item);
    if (ip === undefined) return bad(`${JSON.stringify(item)} is not a dotted-quad IPv4 address`);
    return ip === 0 && thisServer && context.serverId !== undefined ? context.serverId : ip;
  });
}

function integer(text: string, min: number, max: number, bad: Bad): number {
  if (!/^-?[0-9]{1,10}$/.test(text)) bad(`${JSON.stringify(text)} is not a decimal integer`);
  const n = Number(text);
  if (n < min || n > max) bad(`${n} is not in ${min}..${max}`);
  return n;
}

function u32Bytes(n: number): Uint8Array {
  return new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

const TIME_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

function seconds(text: string, bad: Bad): number {
  if (/^infinite$/i.test(text)) return 0xffffffff;
  const m = /^([0-9]{1,10})([smhdw]?)$/i.exec(text);
  if (!m) return bad(`${JSON.stringify(text)} is not a time (seconds, "infinite", or a number with s/m/h/d/w)`);
  const n = Number(m[1]) * TIME_UNITS[(m[2] || 's').toLowerCase()]!;
  if (n > 0xffffffff) bad(`${text} is over 4294967295 seconds`);
  return n;
}

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** Validates a host-style domain name; returns it fully qualified, in the form the codec's option 119 uses. */
function domainName(text: string, bad: Bad): string {
  const bare = text.endsWith('.') ? text.slice(0, -1) : text;
  const labels = bare.split('.');
  for (const label of labels) if (!LABEL.test(label)) bad(`${JSON.stringify(text)} is not a domain name (label ${JSON.stringify(label)})`);
  if (bare.length + 2 > 255) bad(`${JSON.stringify(text)} is longer than 255 bytes`);
  return `${bare}.`;
}

/** A fully qualified name in uncompressed wire form (RFC 1035 section 3.1), by the codec's name writer. */
function domainWire(name: string): Uint8Array {
  const parsed = parseDomainName(name);
  const out = new Uint8Array(domainNameLength(parsed));
  writeDomainName(parsed, out, 0);
  return out;
}

function hexBytes(text: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{1,2}(?::[0-9a-f]{1,2})+$/i.test(text)) return undefined;
  return new Uint8Array(text.split(':').map((h) => parseInt(h, 16)));
}

function routeList(value: string, bad: Bad): ClasslessRoute[] {
  const items = splitList(value);
  if (items.length % 2 !== 0) bad('expected "destination/prefix,router" pairs');
  const routes: ClasslessRoute[] = [];
  for (let i = 0; i < items.length; i += 2) {
    let destination: { address: Ipv4; prefix: number };
    try {
      destination = parseCidr(items[i]!);
    } catch (error) {
      return bad(`${JSON.stringify(items[i])} is not a destination: ${(error as Error).message}`);
    }
    const router = tryParseIpv4(items[i + 1]!);
    if (router === undefined) bad(`${JSON.stringify(items[i + 1])} is not a router address`);
    routes.push({ destination: destination.address, prefix: destination.prefix, router: router! });
  }
  return routes;
}

function typedByTable(s: DhcpOptionSpec, value: string, context: DhcpOptionTextContext, bad: Bad): DhcpOptionTextValue {
  const typed = isKnownOption(s.code);
  const code = s.code;
  const raw = (bytes: Uint8Array | number[]): DhcpOptionTextValue => ({ option: { code, raw: Uint8Array.from(bytes) } });
  const number = (n: number, size: 1 | 2 | 4): DhcpOptionTextValue => {
    if (typed) return { option: { code, value: n } as DhcpOption };
    return raw(size === 4 ? u32Bytes(n >>> 0) : size === 2 ? [n >> 8, n & 255] : [n]);
  };
  switch (s.kind) {
    case 'ip': {
      const list = addresses(value, code !== 1, context, bad);
      if (list.length !== 1) bad(`expected one address, got ${list.length}`);
      const ip = list[0]!;
      if (code === 1 && !isNetmask(ip)) bad(`${formatIpv4(ip)} is not a netmask`);
      return typed ? { option: { code, value: ip } as DhcpOption } : raw(u32Bytes(ip));
    }
    case 'ips':
    case 'ip-pairs': {
      const list = addresses(value, s.kind === 'ips', context, bad);
      if (s.kind === 'ip-pairs') {
        if (list.length % 2 !== 0) bad('expected address pairs, got an odd number of addresses');
        // RFC 2132 section 5.8: the default route is an illegal destination for a static route.
        if (code === 33 && list.some((ip, i) => i % 2 === 0 && ip === 0)) bad('0.0.0.0 is not a valid static route destination');
      }
      if (typed) return { option: { code, value: list } as DhcpOption };
      return raw(list.flatMap((ip) => [...u32Bytes(ip)]));
    }
    case 'u8':
    case 'u16':
    case 'u32': {
      const size = s.kind === 'u8' ? 1 : s.kind === 'u16' ? 2 : 4;
      const n = integer(value, s.min ?? 0, s.max ?? 2 ** (8 * size) - 1, bad);
      // RFC 2132 section 8.7: one of the four node types.
      if (code === 46 && ![1, 2, 4, 8].includes(n)) bad(`${n} is not a NetBIOS node type (1, 2, 4 or 8)`);
      return number(n, size);
    }
    case 'i32':
      return raw(u32Bytes(integer(value, -(2 ** 31), 2 ** 31 - 1, bad) >>> 0));
    case 'time':
      return number(seconds(value, bad), 4);
    case 'bool': {
      const m = /^(?:(1|true|yes|on)|(0|false|no|off))$/i.exec(value);
      if (!m) bad(`${JSON.stringify(value)} is not a boolean (0/1, true/false, yes/no, on/off)`);
      return raw([m![1] ? 1 : 0]);
    }
    case 'text': {
      const bytes = utf8.encode(unquote(value));
      return typed ? { option: { code, value: latin1(bytes) } as DhcpOption } : raw(bytes);
    }
    case 'bytes':
      return raw(hexBytes(value) ?? utf8.encode(unquote(value)));
    case 'domains':
      return { option: { code: 119, value: splitList(value).map((n) => domainName(n, bad)) } };
    case 'routes': {
      const routes = routeList(value, bad);
      return typed ? { option: { code: 121, value: routes }, routes } : { ...raw(encodeClasslessRoutes(routes)), routes };
    }
    case 'sip': {
      const items = splitList(value);
      // RFC 3361 section 3: encoding byte 1 for addresses, 0 for domain names.
      if (items.every((item) => tryParseIpv4(item) !== undefined)) return raw([1, ...addresses(value, true, context, bad).flatMap((ip) => [...u32Bytes(ip)])]);
      return raw([0, ...items.flatMap((n) => [...domainWire(domainName(unquote(n), bad))])]);
    }
    case 'empty':
      return bad('takes no value');
    case 'auto':
      return untyped(code, value, context, bad);
  }
}

function untyped(code: number, value: string, context: DhcpOptionTextContext, bad: Bad): DhcpOptionTextValue {
  const raw = (bytes: Uint8Array | number[]): DhcpOptionTextValue => ({ option: { code, raw: Uint8Array.from(bytes) } });
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) return raw(utf8.encode(unquote(value)));
  const items = splitList(value);
  if (items.every((item) => tryParseIpv4(item) !== undefined)) {
    return raw(addresses(value, true, context, bad).flatMap((ip) => [...u32Bytes(ip)]));
  }
  const hex = hexBytes(value);
  if (hex) return raw(hex);
  const dec = /^([0-9]{1,10})([bsi]?)$/.exec(value);
  if (dec && Number(dec[1]) <= 0xffffffff) {
    const n = Number(dec[1]);
    const size = dec[2] === 'b' ? 1 : dec[2] === 's' ? 2 : dec[2] === 'i' ? 4 : n > 0xffff ? 4 : n > 0xff ? 2 : 1;
    if (n >= 2 ** (8 * size)) bad(`${n} does not fit in ${size} byte${size > 1 ? 's' : ''}`);
    return raw(size === 4 ? u32Bytes(n) : size === 2 ? [n >> 8, n & 255] : [n]);
  }
  return raw(utf8.encode(value));
}
