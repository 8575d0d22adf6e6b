/**
 * A port as a fold of its events, and what its fields mean to the DHCP
 * service. The API's read model and every agent keep ports this way (each
 * with its own indexes around it).
 */
import type { PortEvent, PortState } from './events.js';

/** device_owner of an agent's DHCP port (Neutron's constant): its server address, never counted against a quota. */
export const DHCP_DEVICE_OWNER = 'network:dhcp';

/**
 * device_owner of a router's port on a subnet (Neutron's ROUTER_INTERFACE_OWNERS): the one port
 * that may hold the subnet's gateway address, and what makes the subnet routed rather than
 * isolated for isolated metadata (Neutron's get_isolated_subnets).
 */
export const ROUTER_INTERFACE_OWNERS: ReadonlySet<string> = new Set(['network:router_interface', 'network:router_interface_distributed', 'network:ha_router_replicated_interface']);

/**
 * The port after `event`, from the port before it (undefined: none yet, or
 * deleted). A PortCreated replaces whatever was there (a second one for an
 * id, which only a writer other than the API makes, gives the new port); an
 * update of a port not held changes nothing. Pure.
 */
export function applyPortEvent(current: PortState | undefined, event: PortEvent): PortState | undefined {
  switch (event.type) {
    case 'PortCreated':
      return event.port;
    case 'PortUpdated':
      return current ? { ...current, ...event.changes } : undefined;
    case 'PortDeleted':
      return undefined;
  }
}
