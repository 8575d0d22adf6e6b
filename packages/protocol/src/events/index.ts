/**
 * The resource events written by the API and read by the scheduler and the
 * agents. Every type starts at schema version 1.
 */
import { eventRegistry } from '../envelope.js';

export type { HostRoute, NetworkChanges, NetworkEventData, NetworkEventType, NetworkState, SubnetChanges, SubnetState } from './network.js';
export type { ClaimEventData, ClaimEventType, ExtraDhcpOpt, FixedIp, PortChanges, PortEventData, PortEventType, PortState } from './port.js';

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
});
