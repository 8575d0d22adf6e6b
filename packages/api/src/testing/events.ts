/**
 * Stored events shaped exactly as the running system writes them (the API's
 * network and port commands, the agents' heartbeats, the scheduler's and the
 * API's bindings), for tests and benches of folds that need no server. Lease
 * events come from @leasehold/lease-actor's `toEnvelope` and `leaseSubject`.
 */
import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@leasehold/journal';
import type { AgentEventData, BindingEventData, ClaimEventData, EventEnvelope, NetworkEventData, PortEventData } from '@leasehold/protocol';
import {
  agentSubject,
  bindingSubject,
  ipClaimSubject,
  macClaimSubject,
  segmentClaimSubject,
  networkSubject,
  portSubject,
  toAgentEnvelope,
  toBindingEnvelope,
  type AgentEvent,
  type BindingEvent,
} from '@leasehold/resources';
import type { CommandContext } from '../command.js';
import { networkEvent } from '../network/commands.js';
import { claimEvent, portEvent } from '../port/writer.js';

/** An event and the subject it is appended to, before the stream gives it a sequence. */
export interface EventDraft {
  readonly subject: string;
  readonly event: EventEnvelope;
}

const ctx = (at: number): CommandContext => ({ now: at, newId: randomUUID });

/** A network or subnet event on `lh.evt.network.<networkId>`, built by the API's own `networkEvent`. */
export function networkDraft<K extends keyof NetworkEventData>(networkId: string, type: K, data: NetworkEventData[K], at: number): EventDraft {
  return { subject: networkSubject(networkId), event: networkEvent(networkId, type, data, ctx(at)) };
}

/** A port event on `lh.evt.port.<portId>`, built as the port writer builds it. */
export function portDraft<K extends keyof PortEventData>(portId: string, type: K, data: PortEventData[K], at: number): EventDraft {
  return { subject: portSubject(portId), event: portEvent(portId, type, data, ctx(at)) };
}

/** IpAllocated / IpReleased on `lh.evt.ipam.<networkId>.<ip>`. */
export function ipClaimDraft(type: 'IpAllocated' | 'IpReleased', data: ClaimEventData['IpAllocated'], at: number): EventDraft {
  return { subject: ipClaimSubject(data.networkId, data.ip), event: claimEvent(type, data, ctx(at)) };
}

/** MacClaimed / MacReleased on `lh.evt.mac.<networkId>.<mac>`. */
export function macClaimDraft(type: 'MacClaimed' | 'MacReleased', data: ClaimEventData['MacClaimed'], at: number): EventDraft {
  return { subject: macClaimSubject(data.networkId, data.mac), event: claimEvent(type, data, ctx(at)) };
}

/** SegmentClaimed / SegmentReleased on `lh.evt.segment.<scope>.<id>`. */
export function segmentClaimDraft(type: 'SegmentClaimed' | 'SegmentReleased', data: ClaimEventData['SegmentClaimed'], at: number): EventDraft {
  return { subject: segmentClaimSubject(data), event: claimEvent(type, data, ctx(at)) };
}

/** An agent's heartbeat (as the agent writes it) or an admin change or deletion (as the API writes them) on `lh.evt.agent.<agentId>`. */
export function agentDraft<K extends keyof AgentEventData>(type: K, data: AgentEventData[K], at: number): EventDraft {
  return { subject: agentSubject(data.agentId), event: toAgentEnvelope({ ...data, type, at } as AgentEvent, { id: randomUUID() }) };
}

/** A binding decision on `lh.evt.binding.<networkId>` (the scheduler's carry `strategy` and `inputs`). */
export function bindingDraft<K extends keyof BindingEventData>(type: K, data: BindingEventData[K], at: number): EventDraft {
  return { subject: bindingSubject(data.networkId), event: toBindingEnvelope({ ...data, type, at } as BindingEvent, { id: randomUUID() }) };
}

/** Gives drafts consecutive stream sequences from `firstSeq`, as one writer's appends would get. */
export function sequenced(drafts: readonly EventDraft[], firstSeq = 1): StoredEvent[] {
  return drafts.map((d, i) => ({ seq: firstSeq + i, subject: d.subject, event: d.event }));
}
