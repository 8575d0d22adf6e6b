/**
 * The claim events: an address of a subnet's pools (IpAllocated/IpReleased)
 * or a MAC (MacClaimed/MacReleased) taken by or given back from a port, and a
 * segment (SegmentClaimed/SegmentReleased) taken by or given back from a
 * network. Only the API's port and network writers write them, and only the API's read model folds
 * them. Their data types and validators are protocol's (events/port.ts).
 */
import { flatEventEnvelope, type ClaimEventData, type EnvelopeIds, type EventEnvelope, type EventRegistry } from '@leasehold/protocol';
import { checkedEvent, registryOf } from '../envelope.js';
import { ip6ClaimSubject, ipClaimSubject, macClaimSubject, segmentClaimSubject } from './subjects.js';

export type { ClaimEventData };

export type ClaimEventType = keyof ClaimEventData;

/** The schema version this build writes, per type. */
export const CLAIM_EVENT_VERSION = {
  IpAllocated: 1,
  IpReleased: 1,
  Ip6Allocated: 1,
  Ip6Released: 1,
  MacClaimed: 1,
  MacReleased: 1,
  SegmentClaimed: 1,
  SegmentReleased: 1,
} as const satisfies Record<ClaimEventType, number>;

/** Types and versions of claim events this build reads (for `decodeEvent`). */
export const claimEventRegistry: EventRegistry = registryOf(CLAIM_EVENT_VERSION);

type Flat<T extends ClaimEventType> = { readonly type: T; readonly at: number } & ClaimEventData[T];

export type IpAllocated = Flat<'IpAllocated'>;
export type IpReleased = Flat<'IpReleased'>;
export type Ip6Allocated = Flat<'Ip6Allocated'>;
export type Ip6Released = Flat<'Ip6Released'>;
export type MacClaimed = Flat<'MacClaimed'>;
export type MacReleased = Flat<'MacReleased'>;
export type SegmentClaimed = Flat<'SegmentClaimed'>;
export type SegmentReleased = Flat<'SegmentReleased'>;

/** An address or MAC claim event. */
export type ClaimEvent = IpAllocated | IpReleased | Ip6Allocated | Ip6Released | MacClaimed | MacReleased | SegmentClaimed | SegmentReleased;

/** A claim event as the journal stores it. */
export type ClaimEnvelope = { [K in ClaimEventType]: EventEnvelope<K, ClaimEventData[K]> }[ClaimEventType];

/** True for the types of the claim aggregates. Pure. */
export function isClaimEventType(type: string): type is ClaimEventType {
  return Object.hasOwn(CLAIM_EVENT_VERSION, type);
}

/** The subject a claim event goes to: its address's or its MAC's, in its network, or its segment's. Pure. */
export function claimSubject(event: ClaimEvent): string {
  if (event.type === 'SegmentClaimed' || event.type === 'SegmentReleased') return segmentClaimSubject(event);
  if (event.type === 'Ip6Allocated' || event.type === 'Ip6Released') return ip6ClaimSubject(event.networkId, event.ip);
  return event.type === 'IpAllocated' || event.type === 'IpReleased' ? ipClaimSubject(event.networkId, event.ip) : macClaimSubject(event.networkId, event.mac);
}

/** The envelope of a claim event; its aggregate id is its subject. Pure. */
export function toClaimEnvelope(event: ClaimEvent, ids: EnvelopeIds): ClaimEnvelope {
  return flatEventEnvelope(event, CLAIM_EVENT_VERSION[event.type], claimSubject(event), ids) as unknown as ClaimEnvelope;
}

/** The event of a decoded envelope, after protocol's validator. Throws `ResourceEventShapeError`. Pure. */
export function fromClaimEnvelope(envelope: EventEnvelope): ClaimEvent {
  return checkedEvent<ClaimEvent>(envelope, CLAIM_EVENT_VERSION, 'a claim event');
}
