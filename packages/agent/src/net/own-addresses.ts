/**
 * The addresses this agent put on interfaces for its DHCP ports, so that it
 * takes back those of networks it serves no more, as Neutron's DHCP agent
 * unplugs a network's DHCP device when the network leaves it. Since a
 * network's DHCP port outlives its agent (the API's reserved_dhcp_port), the
 * agent a network moves to puts the same address on its own host: left on
 * the old one, it would be answered for on the segment twice. Only addresses
 * this process added are taken back; an operator's are never touched, and
 * after a restart the ones added before it are the operator's to remove.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { formatIpv4, type Ipv4 } from '@leasehold/protocol';
import { ensureInterfaceAddress } from './interfaces.js';

const run = promisify(execFile);

/** How an address is put on an interface and taken off it (iproute2 by default; a test may stand in). */
export interface AddressCommands<A = Ipv4> {
  add(ifname: string, address: A, prefix: number): Promise<'added' | 'present'>;
  remove(ifname: string, address: A, prefix: number): Promise<void>;
}

const iproute2: AddressCommands = {
  add: ensureInterfaceAddress,
  async remove(ifname, address, prefix) {
    await run('ip', ['addr', 'del', `${formatIpv4(address)}/${prefix}`, 'dev', ifname]);
  },
};

/** The bookkeeping of both families: which addresses this process added, and taking them back. `format` writes an address for people. */
export class OwnAddressSet<A> {
  readonly #added = new Map<string, { readonly ifname: string; readonly address: A; readonly prefix: number }>();

  constructor(
    private readonly commands: AddressCommands<A>,
    private readonly format: (address: A) => string,
  ) {}

  /** Puts `address/prefix` on `ifname` unless it is there; remembered only when this call added it. */
  async ensure(ifname: string, address: A, prefix: number): Promise<void> {
    if ((await this.commands.add(ifname, address, prefix)) === 'added') this.#added.set(key(ifname, address), { ifname, address, prefix });
  }

  /**
   * Takes off every address this agent added that `keep` (interface, address)
   * does not name. Returns one line per address that could not be removed
   * (tried again by the next call); an address already gone is forgotten.
   */
  async releaseExcept(keep: Iterable<readonly [ifname: string, address: A]>): Promise<string[]> {
    const kept = new Set([...keep].map(([ifname, address]) => key(ifname, address)));
    const failures: string[] = [];
    for (const [k, { ifname, address, prefix }] of this.#added) {
      if (kept.has(k)) continue;
      try {
        await this.commands.remove(ifname, address, prefix);
        this.#added.delete(k);
      } catch (error) {
        const message = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
        // iproute2's answer for an address (or interface) that is no longer there: nothing left to take back.
        if (/Cannot assign requested address|Cannot find device/.test(message)) this.#added.delete(k);
        else failures.push(`cannot remove ${this.format(address)}/${prefix} from ${ifname}: ${message}`);
      }
    }
    return failures;
  }

  /** The addresses this agent added and still holds, as `ifname/address`. */
  held(): string[] {
    return [...this.#added.values()].map(({ ifname, address }) => `${ifname}/${this.format(address)}`);
  }
}

/** The IPv4 addresses of the agent's DHCP ports. */
export class OwnAddresses extends OwnAddressSet<Ipv4> {
  constructor(commands: AddressCommands = iproute2) {
    super(commands, formatIpv4);
  }
}

function key(ifname: string, address: unknown): string {
  return `${ifname}/${String(address)}`;
}
