/**
 * The DNS message model (RFC 1035 4.1, EDNS0 RFC 6891) that decodeDns returns
 * and encodeDns takes. Names are text without the trailing dot, case kept,
 * the root is "."; numbers are the wire values (classes and types included).
 */

/** Type codes of the records decoded into typed data; every other type is kept raw. */
export const DnsType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
} as const;

export const DnsClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

/** Header flag bits in the 16-bit flags word (RFC 1035 4.1.1, RFC 4035 3.2 for AD/CD). */
export const DnsFlag = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;

export const DnsRcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;

/** The EDNS0 DO bit inside the OPT record's flags (RFC 3225). */
export const EDNS_DO = 0x8000;

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

interface RecordBase {
  name: string;
  class: number;
  /** Seconds, unsigned 32-bit as on the wire (RFC 2181 8 says to read values over 2^31-1 as 0; minTtl does). */
  ttl: number;
}

export interface DnsSoa {
  mname: string;
  /** The mailbox; a dot inside its first label is written `\.` (as in zone files). */
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export type DnsRecord =
  | (RecordBase & { type: 'A'; data: string })
  | (RecordBase & { type: 'AAAA'; data: string })
  | (RecordBase & { type: 'NS' | 'CNAME' | 'PTR'; data: string })
  | (RecordBase & { type: 'SOA'; data: DnsSoa })
  | (RecordBase & { type: 'MX'; data: { preference: number; exchange: string } })
  | (RecordBase & { type: 'TXT'; data: Uint8Array[] })
  | (RecordBase & { type: 'SRV'; data: { priority: number; weight: number; port: number; target: string } })
  /** Any type without typed data: the rdata bytes exactly as they were on the wire. */
  | (RecordBase & { type: 'UNKNOWN'; code: number; data: Uint8Array })
  | DnsOptRecord;

/** The EDNS0 OPT pseudo-record (RFC 6891 6.1.2): its CLASS and TTL fields carry these instead. */
export interface DnsOptRecord {
  type: 'OPT';
  name: '.';
  udpPayloadSize: number;
  /** The upper 8 bits of the 12-bit extended RCODE. */
  extendedRcode: number;
  version: number;
  dnssecOk: boolean;
  /** The remaining 15 flag bits (must be zero today; kept so a round trip is exact). */
  z: number;
  options: DnsOption[];
}

export interface DnsOption {
  code: number;
  data: Uint8Array;
}

export interface DnsMessage {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  z: boolean;
  ad: boolean;
  cd: boolean;
  /** The 4-bit header RCODE; with EDNS0 the OPT record's extendedRcode holds the upper bits. */
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}

/** The wire type code of a record. Pure. */
export function dnsTypeCode(record: DnsRecord): number {
  return record.type === 'UNKNOWN' ? record.code : DnsType[record.type];
}
