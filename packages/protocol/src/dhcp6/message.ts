/**
 * The decoded form of a DHCPv6 message (RFC 8415 sections 8, 9 and 21).
 * Options stay an ordered array as they were on the wire (DHCPv6 repeats
 * codes, one IA_NA per IA), so every message that decodes re-encodes byte
 * for byte. Codes the codec knows get typed values; every other code keeps
 * its raw bytes. IPv6 addresses are their 16 wire bytes.
 */
/** A DUID (RFC 8415 section 11; DUID-UUID RFC 6355). Compare DUIDs as bytes (`dhcp6DuidKey`), never by their fields. */
export type Dhcp6Duid =
  /** DUID-LLT: hardware type, seconds since 2000-01-01 UTC mod 2^32, link-layer address. */
  | { readonly kind: 'llt'; readonly hardwareType: number; readonly time: number; readonly linkLayerAddress: Uint8Array }
  /** DUID-EN: IANA enterprise number and an identifier. */
  | { readonly kind: 'en'; readonly enterpriseNumber: number; readonly identifier: Uint8Array }
  /** DUID-LL: hardware type and link-layer address. */
  | { readonly kind: 'll'; readonly hardwareType: number; readonly linkLayerAddress: Uint8Array }
  /** DUID-UUID: 16 bytes. */
  | { readonly kind: 'uuid'; readonly uuid: Uint8Array }
  /** Any other DUID type: its 2-byte type and the bytes after it. */
  | { readonly kind: 'other'; readonly type: number; readonly data: Uint8Array };

/** IA_NA (RFC 8415 21.4). T1/T2 in seconds; `options` holds IAADDRs and a STATUS_CODE. */
export interface Dhcp6IaNa {
  readonly iaid: number;
  readonly t1: number;
  readonly t2: number;
  readonly options: readonly Dhcp6Option[];
}

/** IA_TA (RFC 8415 21.5). */
export interface Dhcp6IaTa {
  readonly iaid: number;
  readonly options: readonly Dhcp6Option[];
}

/** IAADDR (RFC 8415 21.6). Lifetimes in seconds, 0xFFFFFFFF is infinity. */
export interface Dhcp6IaAddress {
  /** 16 bytes. */
  readonly address: Uint8Array;
  readonly preferredLifetime: number;
  readonly validLifetime: number;
  readonly options: readonly Dhcp6Option[];
}

/** STATUS_CODE (RFC 8415 21.13): a `Dhcp6StatusCode` and a UTF-8 message. */
export interface Dhcp6Status {
  readonly status: number;
  readonly message: string;
}

/** VENDOR_CLASS (RFC 8415 21.16): enterprise number and opaque vendor-class-data items. */
export interface Dhcp6VendorClass {
  readonly enterpriseNumber: number;
  readonly data: readonly Uint8Array[];
}

/** CLIENT_LINKLAYER_ADDR (RFC 6939): an IANA hardware type (1 Ethernet) and the address. */
export interface Dhcp6LinkLayerAddress {
  readonly linkLayerType: number;
  readonly address: Uint8Array;
}

/** The value type of each option code the codec decodes. */
export interface Dhcp6OptionTypes {
  1: Dhcp6Duid;
  2: Dhcp6Duid;
  3: Dhcp6IaNa;
  4: Dhcp6IaTa;
  5: Dhcp6IaAddress;
  /** Requested option codes, in the client's order. */
  6: readonly number[];
  /** 0..255. */
  7: number;
  /** Hundredths of a second, 0..0xFFFF. */
  8: number;
  9: Dhcp6Message;
  13: Dhcp6Status;
  /** No data: present or absent. */
  14: true;
  /** user-class-data items, opaque. */
  15: readonly Uint8Array[];
  16: Dhcp6VendorClass;
  /** Opaque: a relay's own identifier, echoed by the server unchanged. */
  18: Uint8Array;
  /** No data: present or absent. */
  20: true;
  /** 16-byte addresses. */
  23: readonly Uint8Array[];
  /** Fully qualified names in RFC 1035 presentation form ("lhfx.test."), as in the DHCPv4 codec's option 119. */
  24: readonly string[];
  /** Seconds. */
  32: number;
  /** CLIENT_LINKLAYER_ADDR (RFC 6939), added by the relay next to the client: the MAC a static port is matched by when the DUID carries none. */
  79: Dhcp6LinkLayerAddress;
  /** Seconds. */
  82: number;
}

export type KnownDhcp6OptionCode = keyof Dhcp6OptionTypes;

export type TypedDhcp6Option = {
  [C in KnownDhcp6OptionCode]: { readonly code: C; readonly value: Dhcp6OptionTypes[C] };
}[KnownDhcp6OptionCode];

/** An option kept as bytes: every unknown code, or a known code the caller wants written verbatim. */
export interface RawDhcp6Option {
  readonly code: number;
  readonly raw: Uint8Array;
}

export type Dhcp6Option = TypedDhcp6Option | RawDhcp6Option;

/** Every message but RELAY-FORW and RELAY-REPL (RFC 8415 section 8). */
export interface Dhcp6ClientServerMessage {
  /** A `Dhcp6MessageType` other than 12 and 13 (unknown types keep their number). */
  readonly msgType: number;
  /** 24-bit. */
  readonly transactionId: number;
  readonly options: readonly Dhcp6Option[];
}

/** RELAY-FORW (12) and RELAY-REPL (13) (RFC 8415 section 9). */
export interface Dhcp6RelayMessage {
  readonly msgType: 12 | 13;
  readonly hopCount: number;
  /** 16 bytes: an address on the client's link, or zero (RFC 8415 19.1.1). */
  readonly linkAddress: Uint8Array;
  /** 16 bytes: where the message relayed came from. */
  readonly peerAddress: Uint8Array;
  readonly options: readonly Dhcp6Option[];
}

export type Dhcp6Message = Dhcp6ClientServerMessage | Dhcp6RelayMessage;

/** Whatever holds options: a message, an IA_NA, IA_TA or IAADDR. */
interface HasOptions {
  readonly options: readonly Dhcp6Option[];
}

/** True for RELAY-FORW and RELAY-REPL. Pure. */
export function isDhcp6Relay(msg: Dhcp6Message): msg is Dhcp6RelayMessage {
  return msg.msgType === 12 || msg.msgType === 13;
}

/** The typed value of the first `code` option in `holder`, or undefined if absent or raw. Pure. */
export function getDhcp6Option<C extends KnownDhcp6OptionCode>(holder: HasOptions, code: C): Dhcp6OptionTypes[C] | undefined {
  for (const option of holder.options) if (option.code === code && 'value' in option) return option.value as Dhcp6OptionTypes[C];
  return undefined;
}

/** The typed values of every `code` option in `holder`, in order (one IA_NA per IA, one IAADDR per address). Pure. */
export function getDhcp6Options<C extends KnownDhcp6OptionCode>(holder: HasOptions, code: C): Dhcp6OptionTypes[C][] {
  const out: Dhcp6OptionTypes[C][] = [];
  for (const option of holder.options) if (option.code === code && 'value' in option) out.push(option.value as Dhcp6OptionTypes[C]);
  return out;
}
