/**
 * A port's status, the one rule for every view of it (NATS API and HTTP
 * front door alike): Neutron's provisioning blocks with the DHCP agent as the
 * one entity. A port is ACTIVE once an agent bound to its network serves
 * that network and has folded the port's last event (so its lease table
 * holds the port as it is now: DHCP can answer it); before that, DOWN, and
 * so is every port of a network bound to no agent (Neutron keeps a port
 * DOWN until a DHCP agent has provisioned it). `admin_state_up` false: DOWN.
 */
import type { PortState } from '@leasehold/protocol';
import type { ReadModel } from '../read-model/read-model.js';

export type PortStatus = 'ACTIVE' | 'DOWN';

/** The status of `port` at `version` (its last event's sequence). Pure. */
export function portStatus(port: Pick<PortState, 'networkId' | 'adminStateUp'>, version: number, model: Pick<ReadModel, 'fleet' | 'readiness'>): PortStatus {
  if (!port.adminStateUp) return 'DOWN';
  for (const agentId of model.fleet.bindings.get(port.networkId)?.keys() ?? []) {
    const folded = model.readiness.foldedOn(agentId, port.networkId);
    if (folded !== undefined && folded >= version) return 'ACTIVE';
  }
  return 'DOWN';
}
