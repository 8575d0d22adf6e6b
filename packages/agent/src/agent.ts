/**
 * The DHCP agent process: the one place that turns config into running
 * parts. It only wires; each job lives in its own file:
 *
 * - projection.ts: the model folded from the journal (state/agent-model.ts);
 * - dhcp/server.ts: the DHCP path. A datagram reads downward from its socket
 *   (net/dhcp-sockets.ts) through decode, scope (dhcp/scopes.ts), allocate
 *   (the lease table), write (dhcp/lease-writer.ts) and reply, back out of
 *   the same socket;
 * - dhcp6/server.ts: the DHCPv6 path, beside it: net/dhcp6-sockets.ts (ff02::1:2 on
 *   each interface, a VXLAN network's in its namespace: net/udp6-netns.ts) → decode → the network's view (dhcp6/link-views.ts) → decide →
 *   write (dhcp6/lease-writer.ts) → reply;
 * - live-agents.ts: which peers share a network's clients;
 * - served-networks.ts and reconcile.ts: what it serves and where, DHCP
 *   ports (dhcp-port.ts), interface addresses, sockets and DNS listeners;
 * - dns-records.ts: the names the embedded DNS cache (dns/agent-dns.ts) answers;
 * - heartbeats.ts and expiry.ts: the two timers.
 * - readiness.ts: what the model has folded and serves, for the API's port status.
 * - metadata/: isolated metadata, the proxies on 169.254.169.254 (listeners.ts) the reconcile places.
 * - tftp/: the read-only TFTP server for network boot on the DHCP port addresses (listeners.ts).
 * - ra/: router advertisements (dnsmasq's enable-ra) where config.ipv6Ra turns them on, following the served set.
 */
import type { Journal, ProjectionStartOptions, RunningSnapshottedProjection } from '@leasehold/journal';
import type { NatsConnection } from '@nats-io/transport-node';
import { formatIpv4 } from '@leasehold/protocol';
import type { AgentConfig } from './config.js';
import { ApiClient, dhcpPorts } from './dhcp-port.js';
import { JournalLeaseWriter } from './dhcp/lease-writer.js';
import { DhcpServer, type ServedNetwork } from './dhcp/server.js';
import { DhcpTransactionLog, type TransactionSink } from './dhcp/transaction-log.js';
import { JournalLease6Writer } from './dhcp6/lease-writer.js';
import { Dhcp6Server } from './dhcp6/server.js';
import { LeaseHostnames, LocalDnsRecords } from './dns-records.js';
import { agentDns, type AgentDns } from './dns/agent-dns.js';
import { LeaseExpiry } from './expiry.js';
import { callerOf } from './metadata/identity.js';
import { MetadataProxies } from './metadata/listeners.js';
import { Heartbeats } from './heartbeats.js';
import { clientClassRules } from './dhcp/client-classes.js';
import { liveAgents } from './live-agents.js';
import { DhcpSockets } from './net/dhcp-sockets.js';
import { Dhcp6Sockets } from './net/dhcp6-sockets.js';
import { interfaceAddresses } from './net/interfaces.js';
import { SegmentDevices } from './net/segment-devices.js';
import { agentTftp, type AgentTftp } from './tftp/listeners.js';
import { RouterAdvertisements } from './ra/advertisers.js';
import { startModelProjection } from './projection.js';
import { ReadinessReports } from './readiness.js';
import { Reconciler } from './reconcile.js';
import { ServedNetworks } from './served-networks.js';
import { AgentModel } from './state/agent-model.js';

export interface RunningAgent {
  readonly config: AgentConfig;
  readonly model: AgentModel;
  readonly server: DhcpServer;
  /** The DHCPv6 server (dhcp6/), on UDP 547 of the networks with a DHCPv6 subnet. */
  readonly dhcp6: Dhcp6Server;
  readonly projection: RunningSnapshottedProjection;
  readonly dns: AgentDns;
  /** The metadata proxies: one per network that gets isolated metadata (by config.metadata or its own leasehold:isolated_metadata). */
  readonly metadata: MetadataProxies;
  /** The TFTP server (listening only where config.tftp enables it). */
  readonly tftp: AgentTftp;
  /** The router advertisement sender (advertising only where config.ipv6Ra enables it). */
  readonly ra: RouterAdvertisements;
  /** Networks served now, with their interfaces. */
  served(): ServedNetwork[];
  /** Sends a heartbeat now (also sent every report interval). */
  heartbeat(): Promise<void>;
  /** Brings served networks, DHCP ports, addresses and sockets in line with the model now. */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}

export interface AgentDeps extends ProjectionStartOptions {
  readonly nc: NatsConnection;
  readonly journal: Journal;
  readonly log?: (line: string) => void;
  /** Where per-transaction lines go (log-dhcp, log-queries), when the config turns them on: the server's rate-limited logger. */
  readonly transactions?: { readonly dhcp: TransactionSink; readonly dns: TransactionSink };
}

export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<RunningAgent> {
  const { journal, nc } = deps;
  const log = deps.log ?? (() => {});
  const model = new AgentModel({ offerTtlMs: config.offerTtlMs, declineQuarantineMs: config.declineQuarantineMs });
  const served = new ServedNetworks();

  // Before the replay: the server's holdings and scope index, and the host-name index, follow every event folded.
  const writer = new JournalLeaseWriter({ journal, log });
  const transactions = logs(config.logDhcp) && deps.transactions ? new DhcpTransactionLog({ networks: config.logDhcp, sink: deps.transactions.dhcp }) : undefined;
  const server = new DhcpServer({
    agentId: config.agentId,
    model,
    writer,
    served: served.list,
    liveAgents: liveAgents(model, config),
    limits: config.dhcpLimits,
    clientClasses: clientClassRules(config.dhcpClientClasses),
    ...(transactions ? { transactions } : {}),
  });
  const hostnames = new LeaseHostnames(model);
  const dhcp6 = new Dhcp6Server({ agentId: config.agentId, model, writer: new JournalLease6Writer(journal, log), served: served.list, liveAgents: liveAgents(model, config) });

  const projection = await startModelProjection({ config, journal, model, restored: (snapshot) => hostnames.restored(snapshot), log }, deps);
  // Rejects (the projection stopped) when the replay makes no progress for the stall limit.
  await projection.caughtUp;

  const sockets = new DhcpSockets({ server, port: config.dhcpPort, log, queue: config.dhcpQueue });
  const sockets6 = new Dhcp6Sockets({ server: dhcp6, port: config.dhcp6Port, log, queue: config.dhcpQueue });
  const dns = agentDns(config.dns, log, logs(config.logQueries) && deps.transactions ? { networks: config.logQueries as true | readonly string[], sink: deps.transactions.dns, nameOf: (id) => model.network(id)?.name } : undefined);
  const records = new LocalDnsRecords({ model, hostnames, served, dns, defaultDomain: config.dns.domain, log });
  const ports = dhcpPorts({ agentId: config.agentId, model, api: new ApiClient(nc, { timeoutMs: 5000 }), log });
  const devices = new SegmentDevices(config.segments, (ifname) => {
    const first = interfaceAddresses(ifname)[0];
    return first && formatIpv4(first.address);
  });
  // Always there: a network's own leasehold:isolated_metadata may turn its proxy on whatever the agent's settings (it listens only where one is wanted).
  const metadata = new MetadataProxies({
    options: config.metadata,
    callerOf: (networkId, address) => callerOf(address, model.portsOf(networkId), model.network(networkId)),
    log,
    configureInterfaces: config.configureInterfaces,
  });
  const tftp = agentTftp(config.tftp, log, (id) => model.network(id)?.name);
  const reconciler = new Reconciler({ config, model, ports, served, server, sockets, dns, records, log, devices, tftp, dhcp6: { sockets: sockets6, serves: (id) => dhcp6.serves(id), ownDnsServers: (own) => dhcp6.ownDnsServers(own) }, metadata });
  const heartbeats = new Heartbeats({ config, journal, model, served, log });
  const expiry = new LeaseExpiry({ model, writer, served, expire6: (now) => dhcp6.expire(now) });
  const readiness = new ReadinessReports({ config, nc, model, served, log });
  const ra = new RouterAdvertisements({ options: config.ipv6Ra, model, served, log });

  // After the replay: a change of what is served reconciles, and any change rebuilds the local names (in this order).
  reconciler.followChanges();
  records.followChanges();
  await reconciler.reconcile();
  if (config.listen) ra.start();
  await heartbeats.start();
  readiness.start();
  expiry.start();

  return {
    config,
    model,
    server,
    dhcp6,
    projection,
    dns,
    metadata,
    tftp,
    ra,
    served: () => [...served.current.values()],
    heartbeat: () => heartbeats.send(),
    reconcile: () => reconciler.reconcile(),
    async stop() {
      heartbeats.stop();
      readiness.stop();
      expiry.stop();
      // The reconcile under way first: it may still ask for the names to be rebuilt.
      await reconciler.stop();
      records.stop();
      hostnames.stop();
      ra.stop();
      await sockets.closeAll();
      await sockets6.closeAll();
      await metadata.closeAll();
      await tftp.stop();
      // Segments' devices and namespaces go with the agent, as with the network (left, they would answer nothing).
      for (const failure of await devices.removeAll()) log(`dhcp: ${failure}`);
      await dns.stop();
      await projection.stop();
    },
  };
}

/** Whether a log-dhcp / log-queries setting logs anything. */
function logs(setting: boolean | readonly string[]): setting is true | readonly string[] {
  return setting === true || (setting !== false && setting.length > 0);
}
