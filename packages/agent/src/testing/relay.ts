/**
 * A real DHCP relay between a client and the agent: ISC `dhcrelay` in a
 * middle namespace. The client namespace's link ends in the relay namespace
 * (the relay's downstream interface carries the client subnet's gateway
 * address, which becomes giaddr); the relay's upstream link ends in this
 * namespace, where the agent listens. This namespace gets a route to the
 * client subnet via the relay on that link only, for the unicast replies.
 *
 *   client ns [clientIf] ── [down] relay ns [up] ── [hostIf] this ns (agent)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestLink, ip, type TestLink } from './netns.js';

export interface RelayTopologyOptions {
  /** The client subnet's gateway on the relay's downstream interface, e.g. "198.18.140.1/24". */
  readonly gateway: string;
  /** The client subnet, routed via the relay from this namespace. */
  readonly clientCidr: string;
  /** The agent's address on the upstream link, e.g. "198.18.141.1/24". */
  readonly hostAddress: string;
  /** The relay's address on the upstream link, e.g. "198.18.141.2/24". */
  readonly relayAddress: string;
  /** Extra dhcrelay arguments (e.g. "-a" to add option 82). */
  readonly relayArgs?: readonly string[];
  /** The relay namespace also routes (the client subnet's router), so clients reach the agent by unicast. */
  readonly forward?: boolean;
}

export interface RelayTopology extends AsyncDisposable {
  /** The client's namespace and interface (its peer is in the relay namespace). */
  readonly client: TestLink;
  /** The relay's namespace. */
  readonly relayNs: string;
  /** The relay's interface towards the client (option 82's circuit id with -a). */
  readonly relayDownIf: string;
  /** This namespace's interface towards the relay: the agent's relay interface. */
  readonly hostIf: string;
  /** What dhcrelay printed so far. */
  relayLog(): string;
  remove(): Promise<void>;
}

const bare = (cidr: string) => cidr.split('/')[0]!;

export async function createRelayTopology(options: RelayTopologyOptions): Promise<RelayTopology> {
  const uplink = await createTestLink({ hostAddress: options.hostAddress });
  const pidDir = mkdtempSync(join(tmpdir(), 'lh-dhcrelay-'));
  let client: TestLink | undefined;
  let log = '';
  const remove = async () => {
    await client?.remove().catch(() => {});
    await uplink.remove().catch(() => {});
    rmSync(pidDir, { recursive: true, force: true });
  };
  try {
    const relayNs = uplink.ns;
    await ip('-n', relayNs, 'addr', 'add', options.relayAddress, 'dev', uplink.clientIf);
    client = await createTestLink();
    // The client link's "host" end moves into the relay namespace: it is the relay's downstream side.
    const relayDownIf = client.hostIf;
    await ip('link', 'set', relayDownIf, 'netns', relayNs);
    await ip('-n', relayNs, 'addr', 'add', options.gateway, 'dev', relayDownIf);
    await ip('-n', relayNs, 'link', 'set', relayDownIf, 'up');
    await ip('route', 'add', options.clientCidr, 'via', bare(options.relayAddress), 'dev', uplink.hostIf);
    if (options.forward) await uplink.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);

    const relay = uplink.spawn('dhcrelay', ['-4', '-d', '-pf', join(pidDir, 'pid'), ...(options.relayArgs ?? []), '-id', relayDownIf, '-iu', uplink.clientIf, bare(options.hostAddress)]);
    relay.stdout!.setEncoding('utf8').on('data', (s: string) => (log += s));
    relay.stderr!.setEncoding('utf8').on('data', (s: string) => (log += s));
    // dhcrelay prints its "Sending on" lines once every socket is open.
    const deadline = Date.now() + 5000;
    while ((log.match(/Sending on/g) ?? []).length < 2) {
      if (relay.exitCode !== null || Date.now() > deadline) throw new Error(`dhcrelay did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const topology: RelayTopology = {
      client,
      relayNs,
      relayDownIf,
      hostIf: uplink.hostIf,
      relayLog: () => log,
      remove,
      [Symbol.asyncDispose]: remove,
    };
    return topology;
  } catch (error) {
    await remove();
    throw error;
  }
}
