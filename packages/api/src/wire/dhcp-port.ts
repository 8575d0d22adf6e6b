/**
 * The reply to the agents' own request for their DHCP port
 * (`lh.api.agents.<agentId>.dhcp-port`, body `{ network_id }`), as the API's
 * client reads it. The rest of the contract (the subject, the device_id by
 * which an agent knows its port, the request an agent sends without loading
 * the API) is @leasehold/resources' (agent/dhcp-port-request.ts).
 */
import type { PortView } from './views.js';

export interface DhcpPortReply {
  readonly port: PortView;
  /** False when the agent already had its port there (the same port is answered). */
  readonly created: boolean;
}
