/**
 * Stored events shaped exactly as the running system writes them (the API's
 * network and port commands, the agents' heartbeats, the scheduler's and the
 * API's bindings), for tests and benches of folds that need no server. Lease
 * events come from @leasehold/lease-actor's `toEnvelope` and `leaseSubject`.
 */
import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@leasehold/journal';
import {
  aggregateSubject,
  type AgentEventData,
  type BindingEventData,
  type ClaimEventData,
  type EventEnvelope,
  type NetworkEventData,
  type PortEventData,
} from '@leasehold/protocol';
import type { CommandContext } from '../command.js';
import { networkEvent } from '../network/commands.js';
import { claimEvent, portEvent, portSubject } from '../port/writer.js';
import { ipSubject, macSubject } from '../read-model/read-model.js';

/** An event and the subject it is appended to, before the stream gives it a sequence. */
export interface EventDraft {
  readonly subject: string;
  readonly event: EventEnvelope;
}

const ctx = (at: number): CommandContext => ({ now: at, newId: randomUUID });

/** A network or subnet event on `lh.evt.network.<networkId>`, built by the API's own `networkEvent`. */
export function networkDraft<K extends keyof NetworkEventData>(networkId: string, type: K, data: NetworkEventData[K], at: number): EventDraft {
  return { subject: aggregateSubject('network', networkId), event: networkEvent(networkId, type, data, ctx(at)) };
}

/** A port event on `lh.evt.port.<portId>`, built as the port writer builds it. */
export function portDraft<K extends keyof PortEventData>(portId: string, type: K, data: PortEventData[K], at: number): EventDraft {
  return { subject: portSubject(portId), event: portEvent(portId, type, data, ctx(at)) };
}

/** IpAllocated / IpReleased on `lh.evt.ipam.<networkId>.<ip>`. */
export function ipClaimDraft(type: 'IpAllocated' | 'IpReleased', data: ClaimEventData['IpAllocated'], at: number): EventDraft {
  const subject = ipSubject(data.networkId, data.ip);
  return { subject, event: claimEvent(subject, type, data, ctx(at)) };
}

/** MacClaimed / MacReleased on `lh.evt.mac.<networkId>.<mac>`. */
export function macClaimDraft(type: 'MacClaimed' | 'MacReleased', data: ClaimEventData['MacClaimed'], at: number): EventDraft {
  const subject = macSubject(data.networkId, data.mac);
  return { subject, event: claimEvent(subject, type, data, ctx(at)) };
}

/** An agent's heartbeat (as the agent writes it) or an admin change or deletion (as the API writes them) on `lh.evt.agent.<agentId>`. */
export function agentDraft<K extends keyof AgentEventData>(type: K, data: AgentEventData[K], at: number): EventDraft {
  const event: EventEnvelope = { type, v: 1, id: randomUUID(), aggregate: `agent/${data.agentId}`, at, data };
  return { subject: aggregateSubject('agent', data.agentId), event };
}

/** A binding decision on `lh.evt.binding.<networkId>` (the scheduler's carry `strategy` and `inputs`). */
export function bindingDraft<K extends keyof BindingEventData>(type: K, data: BindingEventData[K], at: number): EventDraft {
  const event: EventEnvelope = { type, v: 1, id: randomUUID(), aggregate: `binding/${data.networkId}`, at, data };
  return { subject: aggregateSubject('binding', data.networkId), event };
}

/** Gives drafts consecutive stream sequences from `firstSeq`, as one writer's appends would get. */
export function sequenced(drafts: readonly EventDraft[], firstSeq = 1): StoredEvent[] {
  return drafts.map((d, i) => ({ seq: firstSeq + i, subject: d.subject, event: d.event }));
}
