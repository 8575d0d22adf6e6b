/**
 * The IPv6 addresses of this agent's DHCP ports on the interfaces of the
 * networks it serves (flat and VLAN; a VXLAN network's are in its namespace,
 * segment-devices.ts), so that its DNS cache can listen there and DHCPv6 can
 * offer the agent itself as the DNS server of a subnet that names none, as
 * Neutron's dnsmasq offers its own address (`option6:dns-server,[::]`). The
 * IPv6 counterpart of own-addresses.ts, with the same rule: only the
 * addresses this process added are taken back, when the network is served
 * no more. Added without duplicate address detection (`nodad`): a tentative
 * address cannot be bound, and the API gives each DHCP port its own address.
 */
import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How an IPv6 address is put on an interface and taken off (iproute2 by default; a test may stand in). */
export interface Address6Commands {
  add(ifname: string, address: string, prefix: number): Promise<'added' | 'present'>;
  remove(ifname: string, address: string, prefix: number): Promise<void>;
}

const stderrOf = (error: unknown) => ((error as { stderr?: string }).stderr ?? (error as Error).message).trim();

const iproute2: Address6Commands = {
  async add(ifname, address, prefix) {
    // Every reconcile asks again: no process is spawned for an address already there.
    if ((networkInterfaces()[ifname] ?? []).some((a) => a.family === 'IPv6' && a.address === address)) return 'present';
    try {
      await run('ip', ['-6', 'addr', 'add', `${address}/${prefix}`, 'dev', ifname, 'nodad']);
      return 'added';
    } catch (error) {
      // iproute2 says either, by version, for an address the interface has.
      if (/File exists|address already assigned/.test(stderrOf(error))) return 'present';
      throw new Error(`cannot add ${address}/${prefix} to ${ifname}: ${stderrOf(error)}`, { cause: error });
    }
  },
  async remove(ifname, address, prefix) {
    await run('ip', ['-6', 'addr', 'del', `${address}/${prefix}`, 'dev', ifname]);
  },
};

export class OwnAddresses6 {
  readonly #added = new Map<string, { readonly ifname: string; readonly address: string; readonly prefix: number }>();

  constructor(private readonly commands: Address6Commands = iproute2) {}

  /** Puts `address/prefix` (RFC 5952 text) on `ifname` unless it is there; remembered only when this call added it. Throws with iproute2's reason. */
  async ensure(ifname: string, address: string, prefix: number): Promise<void> {
    if ((await this.commands.add(ifname, address, prefix)) === 'added') this.#added.set(`${ifname}/${address}`, { ifname, address, prefix });
  }

  /** Takes off every address this agent added that `keep` does not name; one line per failure (tried again next time). */
  async releaseExcept(keep: Iterable<readonly [ifname: string, address: string]>): Promise<string[]> {
    const kept = new Set([...keep].map(([ifname, address]) => `${ifname}/${address}`));
    const failures: string[] = [];
    for (const [k, { ifname, address, prefix }] of this.#added) {
      if (kept.has(k)) continue;
      try {
        await this.commands.remove(ifname, address, prefix);
        this.#added.delete(k);
      } catch (error) {
        // iproute2's answer for an address (or interface) no longer there: nothing left to take back.
        if (/Cannot assign requested address|Cannot find device/.test(stderrOf(error))) this.#added.delete(k);
        else failures.push(`cannot remove ${address}/${prefix} from ${ifname}: ${stderrOf(error)}`);
      }
    }
    return failures;
  }
}
