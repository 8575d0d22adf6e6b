/**
 * The names the agent's DNS cache answers locally (dns/agent-dns.ts), kept
 * per network: each network's are answered only on its own DHCP port
 * addresses (one view per network, as each of Neutron's per-network
 * dnsmasq answers only its own hosts). For a network: `dns_name.domain` of
 * its ports, `host-<a-b-c-d>.domain` for each address of a port without a
 * dns_name (Neutron's default name, `host-2001-db8--5` for an IPv6 one;
 * DHCP ports aside, as in Neutron's addn_hosts), each name with all its
 * port's addresses (A for IPv4, AAAA for IPv6, PTR under in-addr.arpa and
 * ip6.arpa for each), and the host name each client sent in its lease (option 12
 * or 81) unless a port already owns that name (ports win, as in Neutron),
 * and likewise the host name each DHCPv6 client sent in its FQDN (option
 * 39, RFC 4704) as AAAA and ip6.arpa PTR of its leased address (the lease
 * table keeps it: dhcp6/client-fqdn.ts).
 * The domain is the network's dns_domain, else the agent's configured
 * default (`openstacklocal`).
 *
 * Two parts. `LeaseHostnames` is the index of those host names by network
 * and address, fed by the model's lease changes from before the replay (so
 * it sees every lease), or seeded from a restored snapshot, which sends no
 * change notices. `LocalDnsRecords` rebuilds the whole record set 20 ms
 * after the last change asked for it: a burst of lease events costs one
 * rebuild, not one each.
 */
import { DEFAULT_DNS_DOMAIN, defaultHostname, formatIpv6, portDnsDomain, type Ipv4 } from '@leasehold/protocol';
import { DHCP_DEVICE_OWNER } from '@leasehold/resources';
import type { AgentDns } from './dns/agent-dns.js';
import { fqdn } from './dns/agent-dns.js';
import type { ServedNetworks } from './served-networks.js';
import type { AgentModel } from './state/agent-model.js';
import { leaseHostnames, type AgentModelSnapshot } from './state/model-snapshot.js';

const REFRESH_DELAY_MS = 20;

export class LeaseHostnames {
  private readonly byNetwork = new Map<string, Map<Ipv4, string>>();
  private readonly unsubscribe: () => void;

  constructor(model: Pick<AgentModel, 'onChange'>) {
    this.unsubscribe = model.onChange((change) => {
      if (change.kind !== 'lease') return;
      const { event } = change;
      let names = this.byNetwork.get(change.networkId);
      if (!names) this.byNetwork.set(change.networkId, (names = new Map()));
      // A renewal without a host name keeps the one the client sent before.
      if ((event.type === 'LeaseBound' || event.type === 'LeaseRenewed') && event.hostname) names.set(event.ip, event.hostname);
      else if (event.type !== 'LeaseRenewed') names.delete(event.ip);
    });
  }

  /** Takes the host names of a restored snapshot's bound leases (a restore sends no change notices). */
  restored(snapshot: AgentModelSnapshot): void {
    for (const [networkId, names] of leaseHostnames(snapshot)) this.byNetwork.set(networkId, names);
  }

  /** Address → the host name its client sent, on one network. */
  of(networkId: string): ReadonlyMap<Ipv4, string> {
    return this.byNetwork.get(networkId) ?? new Map();
  }

  stop(): void {
    this.unsubscribe();
  }
}

/** An address of a local name: an IPv4 number, or an IPv6 address's RFC 5952 text (a port's fixedIps6). */
export type LocalAddress = Ipv4 | string;

/** Network id → (fully qualified name → addresses), for the served networks. Pure (reads the model and the index). */
export function localNameRecords(
  model: Pick<AgentModel, 'network' | 'portsOf' | 'lease6Table'>,
  hostnames: Pick<LeaseHostnames, 'of'>,
  networkIds: Iterable<string>,
  defaultDomain: string = DEFAULT_DNS_DOMAIN,
): Map<string, Map<string, LocalAddress[]>> {
  const byNetwork = new Map<string, Map<string, LocalAddress[]>>();
  for (const networkId of networkIds) byNetwork.set(networkId, networkNameRecords(model, hostnames, networkId, defaultDomain));
  return byNetwork;
}

/** One network's names: its ports' (given or default) and its DHCPv4 and DHCPv6 clients' host names. Pure. */
function networkNameRecords(model: Pick<AgentModel, 'network' | 'portsOf' | 'lease6Table'>, hostnames: Pick<LeaseHostnames, 'of'>, networkId: string, defaultDomain: string): Map<string, LocalAddress[]> {
  const records = new Map<string, LocalAddress[]>();
  const add = (name: string, ip: LocalAddress) => records.set(name, [...(records.get(name) ?? []), ip]);
  const domain = portDnsDomain(model.network(networkId)?.dnsDomain, defaultDomain);
  const named = new Set<string>();
  for (const port of model.portsOf(networkId)) {
    const addresses: LocalAddress[] = [...port.fixedIps.map((f) => f.ipAddress), ...(port.fixedIps6 ?? []).map((f) => f.ipAddress)];
    if (port.dnsName) {
      named.add(port.dnsName);
      for (const ip of addresses) add(fqdn(port.dnsName, domain), ip);
    } else if (port.deviceOwner !== DHCP_DEVICE_OWNER) {
      for (const ip of addresses) add(fqdn(defaultHostname(ip), domain), ip);
    }
  }
  for (const [ip, name] of hostnames.of(networkId)) if (!named.has(name)) add(fqdn(name, domain), ip);
  for (const lease of model.lease6Table(networkId).leases()) {
    if (lease.hostname !== undefined && !named.has(lease.hostname)) add(fqdn(lease.hostname, domain), formatIpv6(lease.address));
  }
  return records;
}

export interface LocalDnsRecordsOptions {
  readonly model: Pick<AgentModel, 'network' | 'portsOf' | 'lease6Table' | 'onChange'>;
  readonly hostnames: Pick<LeaseHostnames, 'of'>;
  /** Whose names are answered: the networks served at each rebuild. */
  readonly served: Pick<ServedNetworks, 'current'>;
  readonly dns: Pick<AgentDns, 'setRecords'>;
  /** The domain of the names of a network without a dns_domain (Neutron's dns_domain; openstacklocal by default). */
  readonly defaultDomain?: string;
  readonly log: (line: string) => void;
}

export class LocalDnsRecords {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: LocalDnsRecordsOptions) {}

  /** Rebuilds the records on every change of the model from now on (after the replay: a replay asks for none). */
  followChanges(): void {
    this.unsubscribe ??= this.options.model.onChange(() => this.refresh());
  }

  /** Rebuilds the records 20 ms from now; another call meanwhile moves the rebuild back. */
  refresh(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.rebuild(), REFRESH_DELAY_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private rebuild(): void {
    const { model, hostnames, served, dns, defaultDomain, log } = this.options;
    try {
      dns.setRecords(localNameRecords(model, hostnames, served.current.keys(), defaultDomain));
    } catch (error) {
      // A timer callback: a throw here would end the agent (DHCP included). The names stay as they were.
      log(`dns: cannot refresh the local names: ${(error as Error).message}`);
    }
  }
}
