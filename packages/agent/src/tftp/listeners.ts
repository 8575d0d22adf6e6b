/**
 * Where the agent's TFTP server listens: port 69 on each DHCP port address
 * of every served network TFTP is enabled on (config.ts), the addresses the
 * embedded DNS listens on too: a VXLAN network's inside its qdhcp-<network>
 * namespace, on its device there (socket.ts). One socket per address, never
 * the wildcard, so a request is served from the root of the network it
 * arrived on, and each transfer's own socket is opened on that address.
 */
import { formatIpv4, type Ipv4 } from '@leasehold/protocol';
import { tftpRootOf, tftpServes, type AgentTftpOptions } from './config.js';
import { TftpLog } from './refusal-log.js';
import { TftpServer } from './server.js';
import { openTftpSocket, type TftpEndpoint, type TftpSocket } from './socket.js';
import type { TftpStats } from './stats.js';

/** A served network's DHCP port address, and where it is: its namespace and interface there for a VXLAN network. */
export interface TftpListenTarget {
  readonly networkId: string;
  readonly address: Ipv4;
  readonly netns?: string;
  readonly ifname?: string;
}

export interface AgentTftp {
  /**
   * Listens on exactly these targets' addresses (of networks TFTP is enabled
   * on), opening what is new and closing what is gone; a network in
   * `renewed` (its namespace made anew) is listened on again.
   */
  listenOn(targets: readonly TftpListenTarget[], renewed?: ReadonlySet<string>): Promise<void>;
  /** Where it listens now (`address@netns:port` in a namespace). */
  addresses(): string[];
  readonly stats: TftpStats;
  stop(): Promise<void>;
}

interface Listening {
  readonly networkId: string;
  readonly socket: TftpSocket;
}

export function agentTftp(options: AgentTftpOptions, log: (line: string) => void, nameOf: (networkId: string) => string | undefined): AgentTftp {
  const server = new TftpServer({ maxTransfers: options.maxTransfers, maxBlockSize: options.maxBlockSize, timeoutMs: options.timeoutMs, retries: options.retries, log: new TftpLog(log) });
  const listening = new Map<string, Listening>();
  const enabled = options.enabled !== false && !(Array.isArray(options.enabled) && options.enabled.length === 0);

  const open = async (key: string, target: TftpListenTarget, endpoint: TftpEndpoint) => {
    let socket: TftpSocket | undefined;
    try {
      socket = await openTftpSocket(endpoint, options.port, (data, from) => {
        const name = nameOf(target.networkId);
        void server.request({ listener: socket!, endpoint, root: tftpRootOf(options, target.networkId, name) }, data, from);
      });
      listening.set(key, { networkId: target.networkId, socket });
      log(`tftp: listening on ${key}:${options.port}, serving ${tftpRootOf(options, target.networkId, nameOf(target.networkId))}`);
    } catch (error) {
      log(`tftp: ${(error as Error).message}`);
    }
  };

  return {
    stats: server.stats,
    async listenOn(targets, renewed = new Set()) {
      if (!enabled) return;
      const wanted = new Map<string, { target: TftpListenTarget; endpoint: TftpEndpoint }>();
      for (const target of targets) {
        if (!tftpServes(options, target.networkId, nameOf(target.networkId))) continue;
        const address = formatIpv4(target.address);
        const endpoint: TftpEndpoint = target.netns !== undefined ? { address, netns: target.netns, ...(target.ifname !== undefined ? { ifname: target.ifname } : {}) } : { address };
        wanted.set(target.netns !== undefined ? `${address}@${target.netns}` : address, { target, endpoint });
      }
      for (const [key, current] of listening) {
        const next = wanted.get(key);
        // A socket stays in the namespace it was made in: a renewed namespace needs a new one.
        if (next === undefined || next.target.networkId !== current.networkId || (next.target.netns !== undefined && renewed.has(current.networkId))) {
          current.socket.close();
          listening.delete(key);
        }
      }
      for (const [key, { target, endpoint }] of wanted) if (!listening.has(key)) await open(key, target, endpoint);
    },
    addresses: () => [...listening.keys()].map((key) => `${key}:${options.port}`),
    async stop() {
      for (const { socket } of listening.values()) socket.close();
      listening.clear();
      server.stop();
    },
  };
}
