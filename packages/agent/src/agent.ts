/**
 * The DHCP agent process: folds the journal into its model, heartbeats,
 * serves the networks bound to it on their mapped interfaces (and relays),
 * asks the API for its DHCP port on each (dhcp-port.ts), and journals
 * lease expiries. The one place that turns config into running parts.
 */
import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { ApiClient } from '@leasehold/api/client';
import {
  ProjectionSnapshots,
  projectionStartOptions,
  quarantineLine,
  startSnapshottedProjection,
  type Journal,
  type ProjectionStartOptions,
  type RunningSnapshottedProjection,
} from '@leasehold/journal';
import { leaseSubject, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { cidrContains, type Ipv4 } from '@leasehold/protocol';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AgentConfig } from './config.js';
import { dhcpPorts } from './dhcp-port.js';
import { JournalLeaseWriter } from './dhcp/lease-writer.js';
import { DhcpServer, type ServedNetwork } from './dhcp/server.js';
import { agentDns, fqdn, type AgentDns } from './dns/agent-dns.js';
import { heartbeatEnvelope, heartbeatSubject } from './heartbeat.js';
import { ensureInterfaceAddress, interfaceAddresses } from './net/interfaces.js';
import { openUdpSocket, type BoundSocket } from './net/udp-socket.js';
import { AgentModel } from './state/agent-model.js';
import { AGENT_MODEL_SNAPSHOT_V, leaseHostnames, modelFingerprint } from './state/model-snapshot.js';

export interface RunningAgent {
  readonly config: AgentConfig;
  readonly model: AgentModel;
  readonly server: DhcpServer;
  readonly projection: RunningSnapshottedProjection;
  readonly dns: AgentDns;
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
}

export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<RunningAgent> {
  const { journal, nc } = deps;
  const log = deps.log ?? (() => {});
  const model = new AgentModel({ offerTtlMs: config.offerTtlMs, declineQuarantineMs: config.declineQuarantineMs });
  const ports = dhcpPorts({ agentId: config.agentId, model, api: new ApiClient(nc, { timeoutMs: 5000 }), log });
  const deviceId = ports.deviceId;

  const writer = new JournalLeaseWriter({ journal, log });

  let served = new Map<string, ServedNetwork>();
  const liveAgents = (networkId: string) => {
    const now = Date.now();
    return model.agentsOf(networkId).filter((id) => {
      if (id === config.agentId) return true;
      const record = model.agents.get(id);
      return record !== undefined && !record.deleted && now - record.heartbeatAt < config.agentDownTimeMs;
    });
  };
  const server = new DhcpServer({ agentId: config.agentId, model, writer, served: () => served.values(), liveAgents, limits: config.dhcpLimits });

  // The host names clients sent, by network and address (registered before the replay, so it sees every lease).
  const leaseNames = new Map<string, Map<Ipv4, string>>();
  const unsubscribeNames = model.onChange((change) => {
    if (change.kind !== 'lease') return;
    const { event } = change;
    let names = leaseNames.get(change.networkId);
    if (!names) leaseNames.set(change.networkId, (names = new Map()));
    if ((event.type === 'LeaseBound' || event.type === 'LeaseRenewed') && event.hostname) names.set(event.ip, event.hostname);
    else if (event.type !== 'LeaseRenewed') names.delete(event.ip);
  });

  const projection = await startSnapshottedProjection(journal, {
    name: `agent-${config.agentId}`,
    filter: 'lh.evt.>',
    snapshots: await ProjectionSnapshots.open(journal),
    fold: {
      v: AGENT_MODEL_SNAPSHOT_V,
      fingerprint: modelFingerprint({ offerTtlMs: config.offerTtlMs, declineQuarantineMs: config.declineQuarantineMs }),
      take: () => model.snapshot(),
      restore: (state) => {
        // All or nothing (the model stays empty on a refusal); restoring sends no change notices,
        // so the host-name index the listener above keeps is rebuilt from the snapshot.
        const restored = model.restore(state);
        for (const [networkId, names] of leaseHostnames(restored)) leaseNames.set(networkId, names);
      },
    },
    ...projectionStartOptions(deps),
    apply: (stored) => model.apply(stored),
    // An event no fold may apply: skipped, its lease address still writable, said once at error level.
    onQuarantine: (event) => {
      model.quarantine(event.subject, event.seq);
      log(`agent: ${quarantineLine(`agent-${config.agentId}`, event)}`);
    },
    onError: (error) => log(`agent: journal: ${(error as Error).message}`),
  });
  // Rejects (the projection stopped) when the replay makes no progress for the stall limit.
  await projection.caughtUp;

  // ---- sockets: one per interface in use, plus relay-only interfaces ----
  const sockets = new Map<string, BoundSocket>();
  // Each interface's first address, refreshed at every reconcile: listing the
  // host's interfaces per packet cost a quarter of the agent's CPU under load.
  const ifaddrs = new Map<string, Ipv4 | undefined>();
  const refreshIfaddrs = () => {
    const snapshot = networkInterfaces();
    for (const ifname of sockets.keys()) ifaddrs.set(ifname, interfaceAddresses(ifname, snapshot)[0]?.address);
  };
  const openSocket = async (ifname: string) => {
    if (!config.listen || sockets.has(ifname)) return;
    let socket: BoundSocket;
    socket = await openUdpSocket(ifname, config.dhcpPort, (data, _from) => {
      const ifaddr = ifaddrs.get(ifname);
      void server.handle(data, { ifname, ifaddr }).then(async (reply) => {
        if (!reply) return;
        await socket.send(reply.bytes, reply.port, reply.address).catch(() => server.stats.count('send-error'));
      });
    });
    sockets.set(ifname, socket);
    log(`dhcp: listening on ${ifname} port ${config.dhcpPort}`);
  };

  // ---- reconciling what we serve with the model ----
  const desired = (): Map<string, ServedNetwork> => {
    const out = new Map<string, ServedNetwork>();
    for (const [networkId, agents] of model.bindings) {
      if (!agents.has(config.agentId)) continue;
      const network = model.network(networkId);
      if (!network) continue;
      const ifname = config.interfaceMappings[network.physicalNetwork ?? '*'] ?? config.interfaceMappings['*'];
      const port = model.dhcpPort(networkId, deviceId);
      const serverIps = new Map<string, Ipv4>(port?.fixedIps.map((f) => [f.subnetId, f.ipAddress]) ?? []);
      out.set(networkId, { networkId, ifname, serverIps });
    }
    return out;
  };

  let reconciling: Promise<void> | undefined;
  let again = false;
  const reconcileOnce = async () => {
    const next = desired();
    for (const net of next.values()) {
      await ports.ensure(net.networkId);
      if (net.ifname === undefined) continue;
      if (config.configureInterfaces) {
        for (const [subnetId, ip] of net.serverIps) {
          const subnet = model.subnets(net.networkId).find((s) => s.id === subnetId);
          if (subnet && cidrContains(subnet.cidr, ip)) await ensureInterfaceAddress(net.ifname, ip, subnet.cidr.prefix).catch((e: Error) => log(`dhcp: ${e.message}`));
        }
      }
      await openSocket(net.ifname).catch((e: Error) => log(`dhcp: cannot listen on ${net.ifname}: ${e.message}`));
    }
    for (const ifname of config.relayInterfaces) await openSocket(ifname).catch((e: Error) => log(`dhcp: cannot listen on ${ifname}: ${e.message}`));
    refreshIfaddrs();
    served = next;
    server.servedChanged();
    const snapshot = networkInterfaces();
    const dnsAddresses = [...next.values()]
      .filter((n) => n.ifname !== undefined && (config.configureInterfaces || interfaceAddresses(n.ifname, snapshot).length > 0))
      .flatMap((n) => [...n.serverIps.values()]);
    if (config.listen) await dns.listenOn(dnsAddresses);
    refreshRecords();
    const inUse = new Set([...next.values()].map((n) => n.ifname).concat(config.relayInterfaces));
    for (const [ifname, socket] of sockets) {
      if (!inUse.has(ifname)) {
        sockets.delete(ifname);
        await socket.close();
        log(`dhcp: stopped listening on ${ifname}`);
      }
    }
  };
  const reconcile = async (): Promise<void> => {
    if (reconciling) {
      again = true;
      return reconciling;
    }
    reconciling = (async () => {
      do {
        again = false;
        await reconcileOnce();
      } while (again);
    })().finally(() => (reconciling = undefined));
    return reconciling;
  };
  // ---- DNS: the names of the served networks' ports and leases ----
  const dns = agentDns(config.dns, log);
  let recordsTimer: NodeJS.Timeout | undefined;
  const refreshRecords = () => {
    clearTimeout(recordsTimer);
    recordsTimer = setTimeout(() => {
      try {
        dns.setRecords(localNames());
      } catch (error) {
        // A timer callback: a throw here would end the agent (DHCP included). The names stay as they were.
        log(`dns: cannot refresh the local names: ${(error as Error).message}`);
      }
    }, 20);
  };
  const localNames = (): Map<string, Ipv4[]> => {
    const records = new Map<string, Ipv4[]>();
    const add = (name: string, ip: Ipv4) => records.set(name, [...(records.get(name) ?? []), ip]);
    for (const networkId of served.keys()) {
      const domain = model.network(networkId)?.dnsDomain ?? '';
      const named = new Set<string>();
      for (const port of model.portsOf(networkId)) {
        if (!port.dnsName) continue;
        named.add(port.dnsName);
        for (const f of port.fixedIps) add(fqdn(port.dnsName, domain), f.ipAddress);
      }
      // A client's own host name, unless a port already owns that name (ports win, as in Neutron).
      for (const [ip, name] of leaseNames.get(networkId) ?? []) if (!named.has(name)) add(fqdn(name, domain), ip);
    }
    return records;
  };
  const unsubscribe = model.onChange((change) => {
    if (change.kind !== 'lease') void reconcile().catch((e: Error) => log(`dhcp: reconcile failed: ${e.message}`));
    refreshRecords();
  });

  // ---- heartbeats ----
  const heartbeat = async () => {
    const networks = [...served.keys()];
    const load = networks.reduce((n, id) => n + [...model.portsOf(id)].length, 0);
    await journal.append(heartbeatSubject(config.agentId), [heartbeatEnvelope(config, { networks, load }, { id: randomUUID(), at: Date.now() })]);
  };

  // ---- lease expiry: the runtime turns the clock into LeaseExpired events ----
  const expire = async () => {
    const now = Date.now();
    for (const networkId of served.keys()) {
      const table = model.table(networkId);
      for (const event of table?.expired(now) ?? []) {
        try {
          const seq = await writer.append(networkId, event, model.leaseVersion(leaseSubject(networkId, event.ip)));
          model.applyLease(networkId, leaseSubject(networkId, event.ip), seq, event as JournaledLeaseEvent);
        } catch {
          // A conflict: another writer moved the lease first. Anything else is the journal's outage, which the writer reports.
        }
      }
    }
    writer.reportDue(now);
  };

  await reconcile();
  await heartbeat().catch((e: Error) => log(`agent: heartbeat failed: ${e.message}`));
  const timers = [
    setInterval(() => void heartbeat().catch((e: Error) => log(`agent: heartbeat failed: ${e.message}`)), config.reportIntervalMs),
    setInterval(() => void expire(), 1000),
  ];

  return {
    config,
    model,
    server,
    projection,
    dns,
    served: () => [...served.values()],
    heartbeat,
    reconcile,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      clearTimeout(recordsTimer);
      unsubscribe();
      unsubscribeNames();
      await reconciling?.catch(() => {});
      await Promise.all([...sockets.values()].map((s) => s.close()));
      sockets.clear();
      await dns.stop();
      await projection.stop();
    },
  };
}
