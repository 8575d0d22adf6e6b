/**
 * Who is asking, and how Nova is told: the caller is the port whose fixed
 * IP on the proxy's network is the request's source address, and Nova gets
 * Neutron's four headers (neutron/agent/metadata/agent.py, _proxy_request):
 * X-Forwarded-For, X-Instance-ID (the port's device_id), X-Tenant-ID (its
 * project) and X-Instance-ID-Signature, the hex HMAC-SHA256 of the instance
 * id keyed with the shared secret, which Nova recomputes with its
 * [neutron] metadata_proxy_shared_secret and refuses (403) when it differs.
 */
import { createHmac } from 'node:crypto';
import type { Ipv4, NetworkState, PortState } from '@leasehold/protocol';

/** The instance a request speaks for. */
export interface MetadataCaller {
  readonly instanceId: string;
  readonly tenantId: string;
  readonly portId: string;
}

/** Neutron's sign_instance_id: hex HMAC-SHA256 of the instance id, keyed with the shared secret (both UTF-8). Pure. */
export function signInstanceId(instanceId: string, secret: string): string {
  return createHmac('sha256', secret).update(instanceId, 'utf8').digest('hex');
}

/**
 * The instance behind `address` on a network: its one port with that fixed
 * IP. None (a stranger, a dynamic lease, an address two ports claim, a port
 * bound to no device) gets undefined: Neutron's agent answers such a caller
 * 404, as it does when its port lookup finds other than one port. The
 * tenant is the port's project, else its network's (events written before
 * quotas carry none on the port). Pure; one pass over the network's ports.
 */
export function callerOf(address: Ipv4, ports: Iterable<PortState>, network: Pick<NetworkState, 'projectId'> | undefined): MetadataCaller | undefined {
  let found: PortState | undefined;
  for (const port of ports) {
    if (!port.fixedIps.some((f) => f.ipAddress === address)) continue;
    if (found !== undefined) return undefined;
    found = port;
  }
  if (found === undefined || found.deviceId === '') return undefined;
  return { instanceId: found.deviceId, tenantId: found.projectId ?? network?.projectId ?? '', portId: found.id };
}

/** The headers Nova's metadata API reads, as Neutron's metadata agent sends them. Pure. */
export function novaHeaders(caller: MetadataCaller, forwardedFor: string, secret: string): Record<string, string> {
  return {
    'X-Forwarded-For': forwardedFor,
    'X-Instance-ID': caller.instanceId,
    'X-Tenant-ID': caller.tenantId,
    'X-Instance-ID-Signature': signInstanceId(caller.instanceId, secret),
  };
}
