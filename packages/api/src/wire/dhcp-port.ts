/**
 * The contract of the agents' own request for their DHCP port
 * (`lh.api.agents.<agentId>.dhcp-port`, body `{ network_id }`): its reply,
 * and the device_id by which an agent knows its port among a network's.
 */
import type { PortView } from './views.js';

export interface DhcpPortReply {
  readonly port: PortView;
  /** False when the agent already had its port there (the same port is answered). */
  readonly created: boolean;
}

/** The device_id of agent `agentId`'s DHCP ports (as Neutron's agent sets it: one per agent host). Pure. */
export function dhcpPortDeviceId(agentId: string): string {
  return `dhcp-${agentId}`;
}
