/**
 * `lh.api.v1.networks.<verb>`: create, show, list, update, delete. Each
 * parses its request against its schema first (nothing is written for a
 * malformed one), then runs a command through the `NetworkWriter` or reads
 * the read model, and answers with `networkView`.
 */
import { DHCP_DEVICE_OWNER } from '@leasehold/resources';
import type { Journal } from '@leasehold/journal';
import { requestContext } from '../command.js';
import { notFound } from '../errors.js';
import type { Handler } from '../endpoint.js';
import { deleteDhcpPortsOf } from '../port/dhcp-port-reclaim.js';
import type { PortWriter } from '../port/writer.js';
import { DEFAULT_PROJECT_ID, checkQuota, requestedProject, type Quotas } from '../quota.js';
import type { ReadModel } from '../read-model/read-model.js';
import { page, parseRequest } from '../wire/schemas.js';
import { activeNetwork, createNetwork, deleteNetwork, updateNetwork } from './commands.js';
import { segmentKeysOf } from './segment.js';
import { networkView } from './view.js';
import type { NetworkWriter } from './writer.js';

export interface NetworkHandlerDeps {
  readonly model: ReadModel;
  readonly quotas: Quotas;
  readonly networks: NetworkWriter;
  /** Deletes the DHCP ports of a deleted network. */
  readonly ports: PortWriter;
  readonly journal: Journal;
}

export function networkHandlers({ model, quotas, networks, ports, journal }: NetworkHandlerDeps): Record<string, Handler> {
  const showNetwork = (id: string) => {
    const snapshot = model.network(id);
    if (!snapshot) throw notFound('network', id);
    return { network: networkView(snapshot, model.networkVersion(id)) };
  };

  /** The segment keys of the live networks other than `exceptId`, from the read model. */
  const liveSegments = (exceptId?: string) => {
    const live = [...model.networks.values()].flatMap(({ value }) => (value.value === 'active' && value.context.network ? [value.context.network] : []));
    return segmentKeysOf(live, exceptId);
  };

  return {
    'networks.create': async (body) => {
      const req = parseRequest('networkCreate', body);
      const project = requestedProject(req, DEFAULT_PROJECT_ID);
      checkQuota(quotas, 'network', model.usage(project).network);
      const events = createNetwork(req, project, liveSegments(), requestContext());
      const id = (events[0]!.data as { network: { id: string } }).network.id;
      await networks.write(id, 0, () => events);
      return showNetwork(id);
    },
    'networks.show': async (body) => showNetwork(parseRequest('byId', body).id),
    'networks.list': async (body) => {
      const f = parseRequest('networkList', body);
      const found = [...model.networks.entries()]
        .filter(([, v]) => v.value.value === 'active')
        .map(([id, v]) => networkView(v.value, model.networkVersion(id)))
        .filter(
          (n) =>
            (f.id === undefined || n.id === f.id) &&
            (f.name === undefined || n.name === f.name) &&
            (f.admin_state_up === undefined || n.admin_state_up === f.admin_state_up) &&
            (f['provider:physical_network'] === undefined || n['provider:physical_network'] === f['provider:physical_network']) &&
            (f['provider:network_type'] === undefined || n['provider:network_type'] === f['provider:network_type']) &&
            (f['provider:segmentation_id'] === undefined || n['provider:segmentation_id'] === f['provider:segmentation_id']),
        );
      const { items, next_marker } = page(found, (n) => n.id, f);
      return { networks: items, ...(next_marker ? { next_marker } : {}) };
    },
    'networks.update': async (body) => {
      const req = parseRequest('networkUpdate', body);
      const ctx = requestContext();
      await networks.write(req.id, req.revision_number, (s) => updateNetwork(s, req, liveSegments(req.id), ctx));
      return showNetwork(req.id);
    },
    'networks.delete': async (body) => {
      const { id } = parseRequest('byId', body);
      const ctx = requestContext();
      activeNetwork(model.network(id), id);
      const userPorts = () => model.portsOf(id).filter((p) => p.deviceOwner !== DHCP_DEVICE_OWNER).length;
      await networks.write(id, undefined, (s) => deleteNetwork(s, id, userPorts(), ctx));
      // Neutron removes DHCP ports with their network. The network goes first: an agent asking
      // for its DHCP port after NetworkDeleted is refused, and one whose port was written after
      // it removes that port itself (dhcp-port.ts), so no port outlives its network.
      await deleteDhcpPortsOf(journal, model, ports, id, ctx);
      return { deleted: id };
    },
  };
}
