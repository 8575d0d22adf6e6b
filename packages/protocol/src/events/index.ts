/**
 * The resource, agent and binding events written by the API, the agents and
 * the scheduler, and read by all of them. Every type starts at schema version 1.
 */
import { eventRegistry } from '../envelope.js';

export type { HostRoute, NetworkChanges, NetworkEventData, NetworkEventType, NetworkState, SubnetChanges, SubnetState } from './network.js';
export type { ClaimEventData, ClaimEventType, ExtraDhcpOpt, FixedIp, PortChanges, PortEventData, PortEventType, PortState } from './port.js';
export type { AgentEventData, AgentHeartbeatData, BindingEventData, BindingReason, NetworkScheduledData, NetworkUnscheduledData } from './agent.js';

/** Versions of the resource events this build reads. */
export const resourceEventRegistry = eventRegistry({
  NetworkCreated: [1],
  NetworkUpdated: [1],
  NetworkDeleted: [1],
  SubnetCreated: [1],
  SubnetUpdated: [1],
  SubnetDeleted: [1],
  PortCreated: [1],
  PortUpdated: [1],
  PortDeleted: [1],
  IpAllocated: [1],
  IpReleased: [1],
  MacClaimed: [1],
  MacReleased: [1],
  AgentHeartbeat: [1],
  AgentAdminStateChanged: [1],
  AgentDeleted: [1],
  NetworkScheduled: [1],
  NetworkUnscheduled: [1],
});
