/**
 * `lh.api.v1.networks.<verb>`: create, show, list, update, delete. Each
 * parses its request against its schema first (nothing is written for a
 * malformed one), then runs a command through the `NetworkWriter` or reads
 * the read model, and answers with `networkView`.
 */
import { tagsMatch } from '../attributes.js';
import { DHCP_DEVICE_OWNER } from '@leasehold/resources';
import type { Journal } from '@leasehold/journal';
import { networkSegment, segmentKey, type NetworkEventData } from '@leasehold/protocol';
import { requestContext } from '../command.js';
import { ApiError, notFound } from '../errors.js';
import type { Handler } from '../endpoint.js';
import { deleteDhcpPortsOf } from '../port/dhcp-port-reclaim.js';
import type { PortWriter } from '../port/writer.js';
import { DEFAULT_PROJECT_ID, checkQuota, requestedProject, type Quotas } from '../quota.js';
import type { ReadModel } from '../read-model/read-model.js';
import { page, parseRequest } from '../wire/schemas.js';
import { activeNetwork, createNetwork, deleteNetwork, updateNetwork } from './commands.js';
import { decideSegment, providerChange } from './segment.js';
import { SegmentClaims } from './segment-claims.js';
import { networkView } from './view.js';
import type { NetworkWriter } from './writer.js';

/** Creates that lose a segment claim to another writer decide again, this many times in all. */
const MAX_SEGMENT_ATTEMPTS = 5;

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
    return { network: networkView(snapshot, model.networkVersion(id), model.times.get(id)) };
  };

  const segments = new SegmentClaims(journal, model);

  return {
    'networks.create': async (body) => {
      const req = parseRequest('networkCreate', body);
      const project = requestedProject(req, DEFAULT_PROJECT_ID);
      checkQuota(quotas, 'network', model.usage(project).network);
      const ctx = requestContext();
      for (let attempt = 1; ; attempt++) {
        const events = createNetwork(req, project, segments.takenFor(undefined), ctx);
        const network = (events[0]!.data as NetworkEventData['NetworkCreated']).network;
        const segment = networkSegment(network);
        if (segment) {
          // Lost to another writer: decide again (it now sees the claim), picking another id or refusing.
          const lost = await segments.claim(network.id, segment, ctx).then(() => undefined, (error: unknown) => error);
          if (lost && (attempt >= MAX_SEGMENT_ATTEMPTS || !(lost instanceof ApiError && lost.code === 'SEGMENT_IN_USE'))) throw lost;
          if (lost) continue;
        }
        try {
          await networks.write(network.id, 0, () => events);
        } catch (error) {
          if (segment) await segments.release(network.id, segment, ctx).catch(() => {});
          throw error;
        }
        return showNetwork(network.id);
      }
    },
    'networks.show': async (body) => showNetwork(parseRequest('byId', body).id),
    'networks.list': async (body) => {
      const f = parseRequest('networkList', body);
      const found = [...model.networks.entries()]
        .filter(([, v]) => v.value.value === 'active')
        .map(([id, v]) => networkView(v.value, model.networkVersion(id), model.times.get(id)))
        .filter(
          (n) =>
            (f.id === undefined || n.id === f.id) &&
            (f.name === undefined || n.name === f.name) &&
            (f.admin_state_up === undefined || n.admin_state_up === f.admin_state_up) &&
            (f['provider:physical_network'] === undefined || n['provider:physical_network'] === f['provider:physical_network']) &&
            (f['provider:network_type'] === undefined || n['provider:network_type'] === f['provider:network_type']) &&
            (f['provider:segmentation_id'] === undefined || n['provider:segmentation_id'] === f['provider:segmentation_id']) &&
            tagsMatch(n.tags, f),
        );
      const { items, next_marker } = page(found, (n) => n.id, f);
      return { networks: items, ...(next_marker ? { next_marker } : {}) };
    },
    'networks.update': async (body) => {
      const req = parseRequest('networkUpdate', body);
      const ctx = requestContext();
      const before = networkSegment(activeNetwork(model.network(req.id), req.id));
      // A segment the update moves the network to is claimed first, the one it leaves given back after.
      const wanted = providerChange(req) ? networkSegment(decideSegment(req, model.network(req.id)!.context.network!, segments.takenFor(req.id))) : before;
      const moves = wanted !== null && (before === null || segmentKey(wanted) !== segmentKey(before));
      if (moves) await segments.claim(req.id, wanted, ctx);
      try {
        await networks.write(req.id, req.revision_number, (s) => updateNetwork(s, req, segments.takenFor(req.id), ctx));
      } catch (error) {
        if (moves) await segments.release(req.id, wanted, ctx).catch(() => {});
        throw error;
      }
      const after = networkSegment(model.network(req.id)?.context.network ?? { physicalNetwork: null });
      if (before && (after === null || segmentKey(after) !== segmentKey(before))) await segments.release(req.id, before, ctx);
      return showNetwork(req.id);
    },
    'networks.delete': async (body) => {
      const { id } = parseRequest('byId', body);
      const ctx = requestContext();
      activeNetwork(model.network(id), id);
      const userPorts = () => model.portsOf(id).filter((p) => p.deviceOwner !== DHCP_DEVICE_OWNER).length;
      const segment = networkSegment(activeNetwork(model.network(id), id));
      await networks.write(id, undefined, (s) => deleteNetwork(s, id, userPorts(), ctx));
      if (segment) await segments.release(id, segment, ctx);
      // Neutron removes DHCP ports with their network. The network goes first: an agent asking
      // for its DHCP port after NetworkDeleted is refused, and one whose port was written after
      // it removes that port itself (dhcp-port.ts), so no port outlives its network.
      await deleteDhcpPortsOf(journal, model, ports, id, ctx);
      return { deleted: id };
    },
  };
}
