/**
 * The decoded form of a DHCPv4 message. Options stay an ordered array, as
 * they were on the wire (RFC 3396 instances of one code merged into one
 * entry where the first appeared), so that a canonical packet re-encodes
 * byte for byte and a relay's option 82 is echoed untouched. Codes the
 * codec knows get typed values; every other code keeps its raw bytes.
 */
import type { Ipv4 } from '../ipv4/address.js';
import { DHCP_FLAG_BROADCAST, DhcpOptionCode } from './constants.js';

/** Option 82 sub-option (RFC 3046): kept as code and bytes and echoed unchanged. */
export interface RelayAgentSubOption {
  readonly code: number;
  readonly data: Uint8Array;
}

/** Option 121 entry (RFC 3442). `destination` keeps any bits past `prefix` that were on the wire. */
export interface ClasslessRoute {
  readonly destination: Ipv4;
  readonly prefix: number;
  readonly router: Ipv4;
}

/** Option 81 (RFC 4702 section 2). */
export interface ClientFqdn {
  /** The flags byte: S 0x01, O 0x02, E 0x04 (name in wire format), N 0x08; other bits kept as sent. */
  readonly flags: number;
  readonly rcode1: number;
  readonly rcode2: number;
  /**
   * With the E flag: presentation form, trailing "." for a fully qualified
   * name, none for a partial one. Without it: the deprecated ASCII form,
   * one character per byte.
   */
  readonly name: string;
}

/** The value type of each option code the codec decodes. Text is one character per byte (ISO 8859-1). */
export interface DhcpOptionTypes {
  1: Ipv4;
  3: readonly Ipv4[];
  6: readonly Ipv4[];
  12: string;
  15: string;
  /** Unsigned 16-bit. */
  26: number;
  28: Ipv4;
  42: readonly Ipv4[];
  50: Ipv4;
  /** Seconds, unsigned 32-bit (0xFFFFFFFF is infinity). */
  51: number;
  /** A `DhcpOverload` value: 1 file, 2 sname, 3 both. */
  52: number;
  /** A `DhcpMessageType` value (other values are kept as numbers). */
  53: number;
  54: Ipv4;
  55: readonly number[];
  /** Unsigned 16-bit. */
  57: number;
  58: number;
  59: number;
  60: string;
  /** The whole option, type byte included: RFC 2132 compares it as opaque bytes. */
  61: Uint8Array;
  66: string;
  67: string;
  81: ClientFqdn;
  82: readonly RelayAgentSubOption[];
  /** Fully qualified names in presentation form ("eng.apple.com."). */
  119: readonly string[];
  121: readonly ClasslessRoute[];
}

export type KnownOptionCode = keyof DhcpOptionTypes;

/** Which field an option travels in when option 52 overloads sname/file; absent means the options field. */
export type DhcpOptionArea = 'file' | 'sname';

export type TypedDhcpOption = {
  [C in KnownOptionCode]: { readonly code: C; readonly value: DhcpOptionTypes[C]; readonly area?: DhcpOptionArea };
}[KnownOptionCode];

/** An option kept as bytes: every unknown code, or a known code the caller wants written verbatim. */
export interface RawDhcpOption {
  readonly code: number;
  readonly raw: Uint8Array;
  readonly area?: DhcpOptionArea;
}

export type DhcpOption = TypedDhcpOption | RawDhcpOption;

export interface DhcpMessage {
  /** 1 BOOTREQUEST, 2 BOOTREPLY (`BootOp`). */
  readonly op: number;
  /** Hardware type (1 Ethernet). */
  readonly htype: number;
  readonly hops: number;
  /** Transaction id, unsigned 32-bit. */
  readonly xid: number;
  readonly secs: number;
  /** The 16-bit flags field; see `isBroadcast` and `DHCP_FLAG_BROADCAST`. */
  readonly flags: number;
  readonly ciaddr: Ipv4;
  readonly yiaddr: Ipv4;
  readonly siaddr: Ipv4;
  readonly giaddr: Ipv4;
  /** The significant bytes of chaddr: the wire's hlen is this length (0..16). */
  readonly chaddr: Uint8Array;
  /** Server host name, one character per byte, trailing zero bytes removed. "" when overloaded. */
  readonly sname: string;
  /** Boot file name, as `sname`. */
  readonly file: string;
  readonly options: readonly DhcpOption[];
  /**
   * Datagram length to pad to with zero bytes. `decodeDhcp` sets it only when
   * the input's length differs from what `encodeDhcp` writes by default, so a
   * client's own padding survives a round trip. Leave it out of new replies.
   */
  readonly length?: number;
  /**
   * Set by `decodeDhcp` when re-encoding would not give the same bytes: pad
   * options between options, a missing end option, bytes after it or after
   * chaddr's hlen bytes, option 53 not first in a reply,
   * options split in other ways than consecutive 255-byte pieces, option 119
   * compressed differently. The meaning is kept; only the layout changes.
   */
  readonly nonCanonical?: true;
}

/** The entry for `code`, if present. Pure. */
export function findOption(msg: DhcpMessage, code: number): DhcpOption | undefined {
  for (const option of msg.options) if (option.code === code) return option;
  return undefined;
}

/** The typed value of a known option, or undefined if absent or given as raw bytes. Pure. */
export function getOption<C extends KnownOptionCode>(msg: DhcpMessage, code: C): DhcpOptionTypes[C] | undefined {
  const option = findOption(msg, code);
  return option !== undefined && 'value' in option ? (option.value as DhcpOptionTypes[C]) : undefined;
}

/** The bytes of an option kept raw (unknown codes), or undefined. Pure. */
export function getRawOption(msg: DhcpMessage, code: number): Uint8Array | undefined {
  const option = findOption(msg, code);
  return option !== undefined && 'raw' in option ? option.raw : undefined;
}

/** Option 53, or undefined for a plain BOOTP message. Pure. */
export function messageType(msg: DhcpMessage): number | undefined {
  return getOption(msg, DhcpOptionCode.MessageType);
}

/** True when the client asked for broadcast replies (RFC 2131 section 4.1). Pure. */
export function isBroadcast(msg: DhcpMessage): boolean {
  return (msg.flags & DHCP_FLAG_BROADCAST) !== 0;
}

/** A copy of `msg` with `option` replacing the entry of the same code in place, or appended. Pure. */
export function withOption(msg: DhcpMessage, option: DhcpOption): DhcpMessage {
  const at = msg.options.findIndex((o) => o.code === option.code);
  const options = at < 0 ? [...msg.options, option] : msg.options.map((o, i) => (i === at ? option : o));
  return { ...msg, options };
}

/** A copy of `msg` without the entry for `code`. Pure. */
export function withoutOption(msg: DhcpMessage, code: number): DhcpMessage {
  return { ...msg, options: msg.options.filter((o) => o.code !== code) };
}
