/**
 * Where each event type lives, and which of its ids the subject names: an
 * event must sit on the subject of its aggregate kind, and the ids in its
 * data that a fold keys on must be the subject's (validators.ts checks both
 * with `idTokensOf` and a home's `identity`). Read on the hot path of every
 * stored event: no string is cut and nothing is allocated for a valid one.
 */
import { formatIpv4 } from '../ipv4/address.js';
import type { SegmentClaim } from './port.js';
import { segmentClaimTokens } from './segment.js';
import type { AggregateKind } from '../subjects.js';
import type { KnownEventType } from './validators.js';

/**
 * The id tokens of a subject, as positions in it (no string is cut on the
 * hot path): token i spans `starts[i]` up to `ends[i]`.
 */
export interface Tokens {
  subject: string;
  readonly starts: number[];
  readonly ends: number[];
}
type Identity = (ids: Tokens, data: Record<string, unknown>) => string | undefined;

export interface Home {
  readonly kind: AggregateKind;
  /** Tokens after the kind: one id, or two (network, address or MAC). */
  readonly ids: 1 | 2;
  readonly identity?: Identity;
}

function tokenText(ids: Tokens, index: number): string {
  return ids.subject.slice(ids.starts[index], ids.ends[index]);
}

/** True when token `index` is the subject token of `value` (`subjectToken`: dots become dashes). */
function tokenIs(ids: Tokens, index: number, value: string): boolean {
  const start = ids.starts[index]!;
  if (ids.ends[index]! - start !== value.length) return false;
  if (ids.subject.startsWith(value, start)) return true;
  return value.includes('.') && ids.subject.startsWith(value.replaceAll('.', '-'), start);
}

function same(field: string, ids: Tokens, index: number, value: string): string | undefined {
  return tokenIs(ids, index, value) ? undefined : `${field} ${JSON.stringify(value)} is not the subject's (${tokenText(ids, index)})`;
}

/** True when token `index` is `ip` with dashes ("198-18-0-10"), read digit by digit. */
function tokenIsIp(ids: Tokens, index: number, ip: number): boolean {
  const { subject } = ids;
  const end = ids.ends[index]!;
  let i = ids.starts[index]!;
  for (let octet = 3; octet >= 0; octet--) {
    let value = 0;
    let digits = 0;
    for (; i < end; i++) {
      const c = subject.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      value = value * 10 + c;
      digits++;
    }
    if (digits === 0 || digits > 3 || value !== ((ip >>> (octet * 8)) & 0xff)) return false;
    if (octet > 0) {
      if (subject.charCodeAt(i) !== 45) return false; // '-'
      i++;
    }
  }
  return i === end;
}

const networkId0: Identity = (ids, d) => same('data.networkId', ids, 0, d.networkId as string);
const agentId0: Identity = (ids, d) => same('data.agentId', ids, 0, d.agentId as string);
const leaseIp: Identity = (ids, d) => (tokenIsIp(ids, 1, d.ip as number) ? undefined : `data.ip ${formatIpv4(d.ip as number)} is not the subject's address (${tokenText(ids, 1)})`);
const ipClaimIds: Identity = (ids, d) => networkId0(ids, d) ?? leaseIp(ids, d);
/** An IPv6 claim's subject token is its address's RFC 5952 text, as is its data (the schema holds it to that spelling). */
const ip6ClaimIds: Identity = (ids, d) => networkId0(ids, d) ?? same('data.ip', ids, 1, d.ip as string);
/** An IPv6 lease's subject token is its address's RFC 5952 text, as the IPv6 claims'. */
const lease6Ip: Identity = (ids, d) => same('data.ip', ids, 1, d.ip as string);
const macClaimIds: Identity = (ids, d) => networkId0(ids, d) ?? same('data.mac', ids, 1, d.mac as string);
/** A segment claim's subject names its segment, not its network (segment.ts). */
const segmentClaimIds: Identity = (ids, d) => {
  const [scope, segment] = segmentClaimTokens(d as unknown as SegmentClaim);
  return same('data (its segment)', ids, 0, scope) ?? same('data (its segment)', ids, 1, segment);
};

const network: Home = { kind: 'network', ids: 1 };
export const homes: Readonly<Record<KnownEventType, Home>> = {
  NetworkCreated: { ...network, identity: (ids, d) => same('data.network.id', ids, 0, (d.network as { id: string }).id) },
  NetworkUpdated: network,
  NetworkDeleted: network,
  SubnetCreated: { ...network, identity: (ids, d) => same('data.subnet.networkId', ids, 0, (d.subnet as { networkId: string }).networkId) },
  SubnetUpdated: network,
  SubnetDeleted: network,
  Subnet6Created: { ...network, identity: (ids, d) => same('data.subnet.networkId', ids, 0, (d.subnet as { networkId: string }).networkId) },
  Subnet6Updated: network,
  PortCreated: { kind: 'port', ids: 1, identity: (ids, d) => same('data.port.id', ids, 0, (d.port as { id: string }).id) },
  PortUpdated: { kind: 'port', ids: 1 },
  PortDeleted: { kind: 'port', ids: 1 },
  IpAllocated: { kind: 'ipam', ids: 2, identity: ipClaimIds },
  IpReleased: { kind: 'ipam', ids: 2, identity: ipClaimIds },
  Ip6Allocated: { kind: 'ipam', ids: 2, identity: ip6ClaimIds },
  Ip6Released: { kind: 'ipam', ids: 2, identity: ip6ClaimIds },
  MacClaimed: { kind: 'mac', ids: 2, identity: macClaimIds },
  MacReleased: { kind: 'mac', ids: 2, identity: macClaimIds },
  SegmentClaimed: { kind: 'segment', ids: 2, identity: segmentClaimIds },
  SegmentReleased: { kind: 'segment', ids: 2, identity: segmentClaimIds },
  AgentHeartbeat: { kind: 'agent', ids: 1, identity: agentId0 },
  AgentAdminStateChanged: { kind: 'agent', ids: 1, identity: agentId0 },
  AgentDeleted: { kind: 'agent', ids: 1, identity: agentId0 },
  NetworkScheduled: { kind: 'binding', ids: 1, identity: networkId0 },
  NetworkUnscheduled: { kind: 'binding', ids: 1, identity: networkId0 },
  LeaseBound: { kind: 'lease', ids: 2, identity: leaseIp },
  LeaseRenewed: { kind: 'lease', ids: 2, identity: leaseIp },
  LeaseReleased: { kind: 'lease', ids: 2, identity: leaseIp },
  LeaseDeclined: { kind: 'lease', ids: 2, identity: leaseIp },
  LeaseExpired: { kind: 'lease', ids: 2, identity: leaseIp },
  Lease6Bound: { kind: 'lease6', ids: 2, identity: lease6Ip },
  Lease6Renewed: { kind: 'lease6', ids: 2, identity: lease6Ip },
  Lease6Released: { kind: 'lease6', ids: 2, identity: lease6Ip },
  Lease6Declined: { kind: 'lease6', ids: 2, identity: lease6Ip },
  Lease6Expired: { kind: 'lease6', ids: 2, identity: lease6Ip },
};

export const PREFIX = 'lh.evt.';

/**
 * One Tokens, reused by every call: the check is synchronous and never
 * re-entered, and the hot path then allocates nothing for a subject.
 */
const scratch: Tokens = { subject: '', starts: [0, 0], ends: [0, 0] };

/** The id tokens of `subject` when it is `lh.evt.<kind>.<id>` (or `.<id>.<id>` for two), else undefined. */
export function idTokensOf(subject: string, kind: string, count: 1 | 2): Tokens | undefined {
  if (!subject.startsWith(PREFIX) || !subject.startsWith(kind, PREFIX.length) || subject.charCodeAt(PREFIX.length + kind.length) !== 46) return undefined;
  const first = PREFIX.length + kind.length + 1;
  const dot = subject.indexOf('.', first);
  scratch.subject = subject;
  scratch.starts[0] = first;
  if (count === 1) {
    if (dot >= 0 || first >= subject.length) return undefined;
    scratch.ends[0] = subject.length;
    return scratch;
  }
  if (dot <= first || dot + 1 >= subject.length || subject.indexOf('.', dot + 1) >= 0) return undefined;
  scratch.ends[0] = dot;
  scratch.starts[1] = dot + 1;
  scratch.ends[1] = subject.length;
  return scratch;
}

/** The aggregate kinds whose subjects hold only the events of this table. */
export const OWNED_KINDS: ReadonlySet<string> = new Set(Object.values(homes).map((h) => h.kind));
