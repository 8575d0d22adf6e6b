/**
 * Who is asking, and how Nova is told: the caller is the port whose fixed
 * IP on the proxy's network is the request's source address, and Nova gets
 * Neutron's four headers (neutron/agent/metadata/agent.py, _proxy_request):
 * X-Forwarded-For, X-Instance-ID (the port's device_id), X-Tenant-ID (its
 * project) and X-Instance-ID-Signature, the hex HMAC-SHA256 of the instance
 * id keyed with the shared secret, which Nova recomputes with its
 * [neutron] metadata_proxy_shared_secret and refuses (403) when it differs.
 *
 * An IPv6 caller (the proxy on fe80::a9fe:a9fe) is the port with that fixed
 * IPv6 address; a link-local caller, the address an instance uses toward a
 * link-local destination (RFC 6724's source selection), is the port whose
 * MAC its EUI-64 interface id carries, as Neutron's metadata agent finds it
 * (get_mac_addr_by_ipv6, then the port by MAC on the network).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { createHmac } from 'node:crypto';
import { eui64InterfaceId, formatIpv6, parseIpv4, parseIpv6, type Ipv4, type Ipv6, type NetworkState, type PortState } from '@leasehold/protocol';

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
export function callerOf(address: Ipv4 | Ipv6, ports: Iterable<PortState>, network: Pick<NetworkState, 'projectId'> | undefined): MetadataCaller | undefined {
  const holds = typeof address === 'number' ? (p: PortState) => p.fixedIps.some((f) => f.ipAddress === address) : ipv6Holder(address);
  let found: PortState | undefined;
  for (const port of ports) {
    if (!holds(port)) continue;
    if (found !== undefined) return undefined;
    found = port;
  }
  if (found === undefined || found.deviceId === '') return undefined;
  return { instanceId: found.deviceId, tenantId: found.projectId ?? network?.projectId ?? '', portId: found.id };
}

const LINK_LOCAL = 0xfe80n << 112n;
const LINK_LOCAL_MASK = 0xffc0n << 112n;
const INTERFACE_ID = (1n << 64n) - 1n;

/** Whether a port holds an IPv6 caller's address: its fixed IPv6 address, or for a link-local (fe80::/10) caller the EUI-64 id of its MAC. */
function ipv6Holder(address: Ipv6): (port: PortState) => boolean {
  if ((address & LINK_LOCAL_MASK) === LINK_LOCAL) {
    const id = address & INTERFACE_ID;
    return (port) => {
      try {
        return eui64InterfaceId(port.macAddress) === id;
      } catch {
        return false; // a MAC the API let through in another spelling: no EUI-64 id to match
      }
    };
  }
  const text = formatIpv6(address);
  return (port) => port.fixedIps6?.some((f) => f.ipAddress === text) ?? false;
}

/**
 * A request's source address (node's remoteAddress) as a number (IPv4) or
 * bigint (IPv6): a zone (`%eth0`) dropped, an IPv4-mapped IPv6 address read
 * as its IPv4 address; undefined for anything else. Pure.
 */
export function sourceAddress(text: string): Ipv4 | Ipv6 | undefined {
  const bare = text.replace(/%.*$/, '');
  if (isIPv4(bare)) return parseIpv4(bare);
  if (!isIPv6(bare)) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  return mapped ? parseIpv4(mapped[1]!) : parseIpv6(bare);
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
