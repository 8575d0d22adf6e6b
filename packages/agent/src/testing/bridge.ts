/**
 * Several test hosts on one segment: a Linux bridge in this namespace (the
 * interface the agent under test serves) with one test link per client
 * namespace enslaved to it, so every client's broadcast reaches the agent and
 * every broadcast reply reaches every client, as on a real L2 network.
 */
import { createTestLink, ip, testTag, type TestLink } from './netns.js';

export interface TestBridge extends AsyncDisposable {
  /** The bridge interface (in this namespace): what the agent serves. */
  readonly ifname: string;
  readonly links: readonly TestLink[];
  /** Adds one more client namespace to the segment. */
  addLink(options?: { mac?: string }): Promise<TestLink>;
  remove(): Promise<void>;
}

/** Creates a bridge with `count` client namespaces on it; everything made so far is removed if any step fails. */
export async function createTestBridge(count: number, options: { macs?: readonly string[] } = {}): Promise<TestBridge> {
  const ifname = `lh${testTag()}b`;
  const links: TestLink[] = [];
  const remove = async () => {
    for (const link of links.splice(0)) await link.remove().catch(() => {});
    await ip('link', 'del', ifname).catch(() => {});
  };
  const addLink = async (opts: { mac?: string } = {}) => {
    const link = await createTestLink();
    links.push(link);
    await ip('link', 'set', link.hostIf, 'master', ifname);
    if (opts.mac) {
      await ip('-n', link.ns, 'link', 'set', link.clientIf, 'down');
      await ip('-n', link.ns, 'link', 'set', link.clientIf, 'address', opts.mac);
      await ip('-n', link.ns, 'link', 'set', link.clientIf, 'up');
    }
    return link;
  };
  try {
    // No STP and no forward delay: ports forward as soon as they are up.
    await ip('link', 'add', ifname, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    await ip('link', 'set', ifname, 'up');
    for (let i = 0; i < count; i++) await addLink(options.macs?.[i] ? { mac: options.macs[i]! } : {});
  } catch (error) {
    await remove();
    throw error;
  }
  return { ifname, links, addLink, remove, [Symbol.asyncDispose]: remove };
}

/** The MAC address of an interface inside a namespace, as `ip link` shows it (lower case). */
export async function macOf(ns: string, ifname: string): Promise<string> {
  const out = await ip('-n', ns, 'link', 'show', ifname);
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(out)?.[1];
  if (!mac) throw new Error(`no MAC address on ${ifname} in ${ns}: ${out}`);
  return mac;
}
