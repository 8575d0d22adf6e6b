/**
 * Bringing what the agent serves in line with its model, after every
 * change of a network, port or binding (lease changes need none): for each
 * network it should serve (served-networks.ts), its DHCP port (asked of the
 * API once: dhcp-port.ts), the port's address on the interface, and a socket
 * there (for a segment with a device of its own, the device first, and for
 * a VXLAN segment the address and socket in its namespace:
 * net/segment-devices.ts); then the relay-only interfaces' sockets, the served set handed to
 * the DHCP server, the DNS cache's listen addresses and names, the
 * DHCPv6 sockets (a VXLAN network's in its namespace, with its DHCP port's
 * IPv6 address on its device there, placed before the DNS cache listens;
 * a flat or VLAN network's on its interface, net/own-addresses6.ts; either
 * way the DNS cache listens there too and DHCPv6 offers it as the DNS
 * server of a subnet that names none), the
 * sockets no network needs any more closed, and last the addresses it put
 * on interfaces for networks it no longer serves taken back
 * (net/own-addresses.ts: the network's next agent holds that address now)
 * and the devices and namespaces of segments no longer served.
 *
 * One pass at a time: a change during a pass asks for one more pass after
 * it, however many changes came, and every caller waits for the pass that
 * covers its change.
 */
import { networkInterfaces } from 'node:os';
import { cidrContains, ipv6PrefixContains, parseIpv6, parseIpv6Prefix } from '@leasehold/protocol';
import type { AgentConfig } from './config.js';
import type { DhcpPorts } from './dhcp-port.js';
import { METADATA_ADDRESS } from './dhcp/reply-options.js';
import type { DhcpServer } from './dhcp/server.js';
import type { AgentDns } from './dns/agent-dns.js';
import type { LocalDnsRecords } from './dns-records.js';
import type { MetadataProxies, ProxyPlace } from './metadata/listeners.js';
import { withMetadata } from './metadata/served.js';
import type { DhcpSockets } from './net/dhcp-sockets.js';
import type { Dhcp6Sockets } from './net/dhcp6-sockets.js';
import { interfaceAddresses } from './net/interfaces.js';
import { OwnAddresses } from './net/own-addresses.js';
import { OwnAddresses6 } from './net/own-addresses6.js';
import type { SegmentDevices } from './net/segment-devices.js';
import type { AgentTftp } from './tftp/listeners.js';
import { desiredServedNetworks, type PlacedNetwork, type ServedNetworks } from './served-networks.js';
import type { AgentModel } from './state/agent-model.js';

export interface ReconcilerOptions {
  readonly config: Pick<AgentConfig, 'agentId' | 'interfaceMappings' | 'relayInterfaces' | 'listen' | 'configureInterfaces' | 'segments'> & Partial<Pick<AgentConfig, 'metadata'>>;
  readonly model: Pick<AgentModel, 'bindings' | 'network' | 'dhcpPort' | 'portsOf' | 'subnets' | 'subnets6' | 'onChange'>;
  readonly ports: DhcpPorts;
  readonly served: ServedNetworks;
  readonly server: Pick<DhcpServer, 'servedChanged'>;
  readonly sockets: Pick<DhcpSockets, 'open' | 'close' | 'refreshAddresses' | 'closeExcept'>;
  readonly dns: Pick<AgentDns, 'listenOn'> & Partial<Pick<AgentDns, 'addresses'>>;
  readonly records: Pick<LocalDnsRecords, 'refresh'>;
  readonly log: (line: string) => void;
  /** The addresses the agent put on interfaces (default: iproute2's, remembered by this reconciler). */
  readonly addresses?: OwnAddresses;
  /** The metadata proxies (none: isolated metadata is off). */
  readonly metadata?: Pick<MetadataProxies, 'listenOn'>;
  /** The TFTP server's listeners (none in tests that do not need it). */
  readonly tftp?: Pick<AgentTftp, 'listenOn'>;
  /**
   * The DHCPv6 server's sockets, which networks it serves (none: no DHCPv6),
   * and where told the agent's own IPv6 addresses its DNS cache answers on
   * port 53, per network (the DNS servers of subnets that name none).
   */
  readonly dhcp6?: { readonly sockets: Pick<Dhcp6Sockets, 'listenOn'>; serves(networkId: string): boolean; ownDnsServers?(byNetwork: ReadonlyMap<string, readonly string[]>): void };
  /** The IPv6 addresses the agent put on interfaces (default: iproute2's, remembered by this reconciler). */
  readonly addresses6?: OwnAddresses6;
  /** The segments' devices and namespaces the agent makes (none: every network is served on its mapped interface). */
  readonly devices?: Pick<SegmentDevices, 'ensure' | 'ensureAddress' | 'ensureAddress6' | 'removeExcept'>;
}

export class Reconciler {
  private running: Promise<void> | undefined;
  private again = false;
  private unsubscribe: (() => void) | undefined;

  private readonly addresses: OwnAddresses;
  private readonly addresses6: OwnAddresses6;

  constructor(private readonly options: ReconcilerOptions) {
    this.addresses = options.addresses ?? new OwnAddresses();
    this.addresses6 = options.addresses6 ?? new OwnAddresses6();
  }

  /** Reconciles after every change of the model but a lease's, from now on (after the replay: a replay asks for none). */
  followChanges(): void {
    this.unsubscribe ??= this.options.model.onChange((change) => {
      if (change.kind !== 'lease' && change.kind !== 'lease6') void this.reconcile().catch((e: Error) => this.options.log(`dhcp: reconcile failed: ${e.message}`));
    });
  }

  /** Runs a pass, or asks the running one for another; resolves when the pass that covers this call ends. */
  reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    // Marked ended in the same step as the last check of `again`: with a `.finally()` after it, a
    // change arriving between the two found a pass still "running", asked it for another pass it
    // had already decided against, and was lost (a failover's bind, one microtask after its unbind).
    const run = async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    };
    this.running = run();
    return this.running;
  }

  /** Follows no more changes and waits for the pass under way, if any (its failure is not this caller's). */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.running?.catch(() => {});
  }

  private async pass(): Promise<void> {
    const { config, model, ports, served, server, sockets, dns, records, log, devices } = this.options;
    const problems: string[] = [];
    const desired = desiredServedNetworks(model, config, ports.deviceId, problems);
    // Each network's metadata route per subnet (read by the DHCP server) and whether it gets a proxy.
    const next = config.metadata ? withMetadata(desired, model, config.metadata) : desired;
    for (const problem of problems) log(`dhcp: ${problem}`);
    const listen = (ifname: string, netns?: string) =>
      config.listen ? sockets.open(ifname, netns).catch((e: Error) => log(`dhcp: cannot listen on ${ifname}${netns ? ` in ${netns}` : ''}: ${e.message}`)) : undefined;
    /** VXLAN networks whose device and DHCP port addresses are in place in their namespace: network id → namespace. */
    const inNamespace = new Map<string, string>();
    /** Networks whose namespace was made (anew) in this pass: sockets in the one it replaced hear nothing. */
    const renewed = new Set<string>();
    /** VXLAN networks whose device is in its namespace (made now or before): network id → namespace. */
    const withDevice = new Map<string, string>();
    /** Flat and VLAN networks served by DHCPv6: their DHCP port's IPv6 addresses on their interface. */
    const own6 = new Map<string, string[]>();
    /** VXLAN networks served by DHCPv6: their DHCP port's IPv6 addresses on their device in their namespace. */
    const ns6 = new Map<string, string[]>();
    for (const net of next.values()) {
      await ports.ensure(net.networkId);
      if (net.ifname === undefined) continue;
      const netns = net.placement?.kind === 'vxlan' ? net.placement.netns : undefined;
      if (net.placement && devices) {
        // A VXLAN device waits for its DHCP port: it takes the port's MAC, so it is made once (the port's arrival reconciles again).
        if (net.placement.kind === 'vxlan' && net.placement.mac === undefined) continue;
        const made = await devices.ensure(net.networkId, net.placement).then(
          (fresh) => fresh,
          (e: Error) => log(`dhcp: ${e.message}`),
        );
        if (made === undefined) continue;
        if (made) await sockets.close(net.ifname);
        if (made && netns) renewed.add(net.networkId);
        if (netns) withDevice.set(net.networkId, netns);
      }
      if (config.configureInterfaces) {
        let placed = true;
        for (const [subnetId, ip] of net.serverIps) {
          const subnet = model.subnets(net.networkId).find((s) => s.id === subnetId);
          if (!subnet || !cidrContains(subnet.cidr, ip)) continue;
          const added = netns && devices ? devices.ensureAddress(netns, net.ifname, ip, subnet.cidr.prefix) : this.addresses.ensure(net.ifname, ip, subnet.cidr.prefix);
          await added.catch((e: Error) => {
            placed = false;
            log(`dhcp: ${e.message}`);
          });
        }
        // The DNS cache binds these addresses in the namespace: only once they are there (one that cannot bind stops its start).
        if (netns && devices && placed) inNamespace.set(net.networkId, netns);
        // Before the DNS cache listens there too (DHCPv6 answers from the link-local address all the same).
        const ifname = net.ifname;
        if (netns && devices && config.listen && this.options.dhcp6?.serves(net.networkId)) ns6.set(net.networkId, await this.placeAddresses6(net.networkId, (address, prefix) => devices.ensureAddress6(netns, ifname, address, prefix)));
        if (!netns && config.listen && this.options.dhcp6?.serves(net.networkId)) own6.set(net.networkId, await this.placeAddresses6(net.networkId, (address, prefix) => this.addresses6.ensure(ifname, address, prefix)));
      }
      await listen(net.ifname, netns);
    }
    for (const ifname of config.relayInterfaces) await listen(ifname);
    sockets.refreshAddresses();
    served.replace(next);
    server.servedChanged();
    if (config.listen) {
      // The DNS cache listens on the agent's addresses that are on an interface (or will be: it puts them there).
      const snapshot = networkInterfaces();
      // Per network: each address answers only its own network's names (dns/agent-dns.ts); a VXLAN
      // network's in its own namespace, where the cache's sockets for it are made (README, Segments).
      const addresses = new Map(
        [...next.values()]
          .filter((n) =>
            n.ifname !== undefined && (n.placement?.kind === 'vxlan' ? inNamespace.has(n.networkId) : config.configureInterfaces || interfaceAddresses(n.ifname, snapshot).length > 0),
          )
          .map((n) => [n.networkId, [...n.serverIps.values(), ...(own6.get(n.networkId) ?? []), ...(ns6.get(n.networkId) ?? [])]] as const),
      );
      // A VXLAN network's IPv6 listeners are bound to its device in its namespace.
      await dns.listenOn(addresses, inNamespace, renewed, new Map([...inNamespace.keys()].map((id) => [id, next.get(id)!.ifname!] as const)));
      // The agent's own IPv6 addresses are offered as DNS servers only where its cache answers on the DNS port (in the namespace for VXLAN).
      const answering = new Set((dns.addresses?.() ?? []).filter((a) => a.port === 53).map((a) => (a.netns === undefined ? a.address : `${a.address}@${a.netns}`)));
      const at = (id: string, address: string) => (inNamespace.has(id) ? `${address}@${inNamespace.get(id)}` : address);
      this.options.dhcp6?.ownDnsServers?.(new Map([...own6, ...ns6].map(([id, list]) => [id, list.filter((a) => answering.has(at(id, a)))] as const)));
      // TFTP on the same addresses as DNS (a VXLAN network's in its namespace, on its device there).
      const tftpTargets = [...next.values()].flatMap((n) =>
        !addresses.has(n.networkId) ? [] : [...n.serverIps.values()].map((address) => ({ networkId: n.networkId, address, ...(inNamespace.has(n.networkId) ? { netns: inNamespace.get(n.networkId)!, ifname: n.ifname! } : {}) })),
      );
      await this.options.tftp?.listenOn(tftpTargets, renewed);
    }
    if (config.listen && this.options.metadata) await this.options.metadata.listenOn(await this.placeMetadata(next, inNamespace), renewed);
    records.refresh();
    // DHCPv6 (dhcp6/) on the interfaces of networks with a DHCPv6 subnet; a VXLAN network's in its namespace, on its device there.
    if (config.listen && this.options.dhcp6) {
      const { sockets: sockets6, serves } = this.options.dhcp6;
      const v6 = [...next.values()].filter((n) => serves(n.networkId));
      // Relays' sockets only while a network reached through relays alone has a DHCPv6 subnet.
      const relayed = v6.some((n) => n.ifname === undefined) ? new Set(config.relayInterfaces) : new Set<string>();
      const namespaced = new Map<string, string>();
      for (const n of v6) {
        const netns = withDevice.get(n.networkId);
        if (netns === undefined) continue;
        namespaced.set(n.ifname!, netns);
      }
      const renewedNamespaces = new Set([...renewed].flatMap((id) => (withDevice.has(id) ? [withDevice.get(id)!] : [])));
      await sockets6.listenOn(new Set(v6.flatMap((n) => (n.ifname !== undefined && n.placement?.kind !== 'vxlan' ? [n.ifname] : []))), relayed, namespaced, renewedNamespaces);
    }
    await sockets.closeExcept(new Set<string | undefined>([...next.values()].map((n) => n.ifname).concat(config.relayInterfaces)));
    // Last, once nothing serves or listens there: the addresses of networks this agent no longer serves.
    const keep = [...next.values()].flatMap((n) =>
      n.ifname === undefined || n.placement?.kind === 'vxlan' ? [] : [...n.serverIps.values(), ...(n.metadataProxy ? [METADATA_ADDRESS] : [])].map((ip) => [n.ifname!, ip] as const),
    );
    for (const failure of await this.addresses.releaseExcept(keep)) log(`dhcp: ${failure}`);
    const keep6 = [...own6].flatMap(([id, list]) => list.map((address) => [next.get(id)!.ifname!, address] as const));
    for (const failure of await this.addresses6.releaseExcept(keep6)) log(`dhcp6: ${failure}`);
    // The sockets in them closed above: a namespace goes with its device (and its address).
    for (const failure of (await devices?.removeExcept(new Set(next.keys()))) ?? []) log(`dhcp: ${failure}`);
  }

  /**
   * The DHCP port's IPv6 addresses, each on the prefix of its subnet, put in
   * place by `place`: on a VXLAN network's device in its namespace (its
   * link-local one came with the device: net/segment-devices.ts), or on a
   * flat or VLAN network's interface. Returns the ones placed, where the DNS
   * cache listens. A failure is logged: DHCPv6 answers from the link-local
   * address all the same, and the subnet's clients get no DNS server of the
   * agent's.
   */
  private async placeAddresses6(networkId: string, place: (address: string, prefix: number) => Promise<void>): Promise<string[]> {
    const { model, ports, log } = this.options;
    const subnets = new Map(model.subnets6(networkId).map((s) => [s.id, s]));
    const placed: string[] = [];
    for (const fixed of model.dhcpPort(networkId, ports.deviceId)?.fixedIps6 ?? []) {
      const subnet = subnets.get(fixed.subnetId);
      const prefix = subnet && parseIpv6Prefix(subnet.cidr);
      if (!prefix || !ipv6PrefixContains(prefix, parseIpv6(fixed.ipAddress))) continue;
      await place(fixed.ipAddress, prefix.prefix).then(
        () => placed.push(fixed.ipAddress),
        (e: Error) => log(`dhcp6: ${e.message}`),
      );
    }
    return placed;
  }

  /**
   * 169.254.169.254/32 on the interface of each network that gets a proxy
   * (Neutron's DHCP agent puts it on its port's device), in the namespace
   * of a VXLAN network once that is in place; the places whose address is
   * there, where the proxies should listen.
   */
  private async placeMetadata(next: ReadonlyMap<string, PlacedNetwork>, inNamespace: ReadonlyMap<string, string>): Promise<Map<string, ProxyPlace>> {
    const { config, devices, log } = this.options;
    const places = new Map<string, ProxyPlace>();
    for (const net of next.values()) {
      if (!net.metadataProxy || net.ifname === undefined) continue;
      const netns = net.placement?.kind === 'vxlan' ? inNamespace.get(net.networkId) : undefined;
      if (net.placement?.kind === 'vxlan' && netns === undefined) continue;
      if (config.configureInterfaces) {
        const added = netns && devices ? devices.ensureAddress(netns, net.ifname, METADATA_ADDRESS, 32) : this.addresses.ensure(net.ifname, METADATA_ADDRESS, 32);
        const placed = await added.then(
          () => true,
          (e: Error) => log(`metadata: ${e.message}`),
        );
        if (!placed) continue;
      }
      // And on fe80::a9fe:a9fe where the network has IPv6 subnets (Neutron's METADATA_V6_IP), in its namespace for VXLAN.
      places.set(net.networkId, { ifname: net.ifname, netns, v6: this.options.model.subnets6(net.networkId).length > 0 });
    }
    return places;
  }
}
