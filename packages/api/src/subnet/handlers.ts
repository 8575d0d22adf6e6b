/**
 * `lh.api.v1.subnets.<verb>`: create, show, list, update, delete. A subnet
 * is written on its network's subject (through the `NetworkWriter`) and its
 * `revision_number` is its network's version.
 */
import { tagsMatch } from '../attributes.js';
import { DHCP_DEVICE_OWNER } from '@leasehold/resources';
import { requestContext } from '../command.js';
import type { Handler } from '../endpoint.js';
import { ApiError } from '../errors.js';
import type { NetworkWriter } from '../network/writer.js';
import type { PortWriter } from '../port/writer.js';
import { checkQuota, requestedProject, type Quotas } from '../quota.js';
import type { ReadModel } from '../read-model/read-model.js';
import { page, parseRequest } from '../wire/schemas.js';
import { createSubnet, deleteSubnet, findAnySubnet, isSubnet6, subnetCidrText, updateSubnet } from './commands.js';
import { isAutoAddressSubnet } from './rules6.js';
import { subnetView } from './view.js';

export interface SubnetHandlerDeps {
  readonly model: ReadModel;
  readonly quotas: Quotas;
  readonly networks: NetworkWriter;
  /** Deletes the DHCP ports holding addresses of a subnet being deleted. */
  readonly ports: PortWriter;
}

/** Ports whose EUI-64 addresses are brought up to date at once (each one append). */
const SYNC_BATCH = 32;

export function subnetHandlers({ model, quotas, networks, ports }: SubnetHandlerDeps): Record<string, Handler> {
  /** After a slaac or dhcpv6-stateless subnet comes or goes: every port of the network gets or loses its EUI-64 address there. */
  const syncAutoAddresses = async (portIds: readonly string[], ctx: ReturnType<typeof requestContext>) => {
    for (let i = 0; i < portIds.length; i += SYNC_BATCH) {
      await Promise.all(portIds.slice(i, i + SYNC_BATCH).map((id) => ports.syncAutoAddresses(id, ctx)));
    }
  };
  const subnetOf = (subnetId: string) => {
    const networkId = model.networkOfSubnet.get(subnetId);
    const snapshot = networkId === undefined ? undefined : model.network(networkId);
    return { networkId, snapshot, subnet: findAnySubnet(snapshot, subnetId) };
  };

  return {
    'subnets.create': async (body) => {
      const req = parseRequest('subnetCreate', body);
      const ctx = requestContext();
      // A subnet is its network's project's (Neutron lets only an admin differ; there is no admin here).
      const project = model.projectOf(req.network_id);
      if (project !== undefined) {
        if (requestedProject(req, project) !== project) {
          throw new ApiError('VALIDATION_FAILED', `a subnet belongs to its network's project (${project})`, req.project_id !== undefined ? 'project_id' : 'tenant_id');
        }
        checkQuota(quotas, 'subnet', model.usage(project).subnet);
      }
      let created = '';
      await networks.write(req.network_id, undefined, (s) => {
        const events = createSubnet(s, req, ctx);
        created = (events[0]!.data as { subnet: { id: string } }).subnet.id;
        return events;
      });
      const made = subnetOf(created).subnet;
      if (isSubnet6(made) && isAutoAddressSubnet(made)) await syncAutoAddresses(model.portsOf(req.network_id).map((p) => p.id), ctx);
      return { subnet: subnetView(made, model.networkVersion(req.network_id), model.projectOf(req.network_id), model.times.get(made.id)) };
    },
    'subnets.show': async (body) => {
      const { id } = parseRequest('byId', body);
      const { networkId, subnet } = subnetOf(id);
      return { subnet: subnetView(subnet, model.networkVersion(networkId!), model.projectOf(networkId!), model.times.get(subnet.id)) };
    },
    'subnets.list': async (body) => {
      const f = parseRequest('subnetList', body);
      const subnets = [...model.networks.entries()]
        .filter(([id, v]) => v.value.value === 'active' && (f.network_id === undefined || id === f.network_id))
        .flatMap(([id, v]) =>
          [...Object.values(v.value.context.subnets), ...Object.values(v.value.context.subnets6)].map((s) => subnetView(s, model.networkVersion(id), v.value.context.network?.projectId, model.times.get(s.id))),
        )
        .filter(
          (s) =>
            (f.id === undefined || s.id === f.id) &&
            (f.name === undefined || s.name === f.name) &&
            (f.cidr === undefined || s.cidr === f.cidr) &&
            (f.ip_version === undefined || s.ip_version === f.ip_version) &&
            (f.enable_dhcp === undefined || s.enable_dhcp === f.enable_dhcp) &&
            tagsMatch(s.tags, f),
        );
      const { items, next_marker } = page(subnets, (s) => s.id, f);
      return { subnets: items, ...(next_marker ? { next_marker } : {}) };
    },
    'subnets.update': async (body) => {
      const req = parseRequest('subnetUpdate', body);
      const { networkId } = subnetOf(req.id);
      const ctx = requestContext();
      await networks.write(networkId!, req.revision_number, (s) => updateSubnet(s, req, ctx));
      return { subnet: subnetView(subnetOf(req.id).subnet, model.networkVersion(networkId!), model.projectOf(networkId!), model.times.get(req.id)) };
    },
    'subnets.delete': async (body) => {
      const { id } = parseRequest('byId', body);
      const { networkId, subnet } = subnetOf(id);
      const ctx = requestContext();
      const using = model.portsOf(networkId!).filter((p) => p.fixedIps.some((f) => f.subnetId === id) || (p.fixedIps6 ?? []).some((f) => f.subnetId === id));
      if (isSubnet6(subnet) && isAutoAddressSubnet(subnet)) {
        // Neutron deletes a slaac or dhcpv6-stateless subnet with its ports' EUI-64 addresses: nothing was claimed, nothing blocks.
        await networks.write(networkId!, undefined, (s) => deleteSubnet(s, id, 0, ctx));
        await syncAutoAddresses(using.map((p) => p.id), ctx);
        return { deleted: id };
      }
      const userPorts = using.filter((p) => p.deviceOwner !== DHCP_DEVICE_OWNER);
      if (userPorts.length > 0) {
        throw new ApiError('SUBNET_IN_USE', `subnet ${id} (${subnetCidrText(subnet)}) still has ${userPorts.length} port(s) with addresses in it`, 'id');
      }
      for (const p of using) await ports.delete(p.id, ctx);
      await networks.write(networkId!, undefined, (s) => deleteSubnet(s, id, 0, ctx));
      return { deleted: id };
    },
  };
}
