/**
 * fe80::a9fe:a9fe, the metadata service's IPv6 address (Neutron's
 * METADATA_V6_IP: 169.254.169.254 in its last 32 bits), on a network's
 * interface while its proxy listens there, as Neutron's DHCP agent puts it
 * on its port's device for a network with IPv6 subnets. As a /128
 * (Neutron's own METADATA_V6_CIDR: the interface's fe80::/64 route is
 * already there) and without duplicate address detection: every agent
 * serving the network holds the same address, as each holds
 * 169.254.169.254, and DAD would leave all but the first one's unusable
 * (dadfailed). Only the addresses this process added are taken off again.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { addressAlreadyAssigned } from '../net/interfaces.js';

const run = promisify(execFile);

/** The metadata service's link-local IPv6 address. */
export const METADATA_ADDRESS6 = 'fe80::a9fe:a9fe';

/** How the address is put on an interface and taken off (iproute2; a test may stand in); `netns`: an interface of that namespace. */
export interface Address6Commands {
  add(ifname: string, netns?: string): Promise<'added' | 'present'>;
  remove(ifname: string, netns?: string): Promise<void>;
}

/** iproute2's arguments before the command: `-n <netns>` for an interface in a namespace. Pure. */
const inNetns = (netns: string | undefined): string[] => (netns === undefined ? [] : ['-n', netns]);

const iproute2: Address6Commands = {
  async add(ifname, netns) {
    try {
      await run('ip', [...inNetns(netns), '-6', 'addr', 'add', `${METADATA_ADDRESS6}/128`, 'dev', ifname, 'nodad']);
      return 'added';
    } catch (error) {
      if (addressAlreadyAssigned((error as { stderr?: string }).stderr ?? '')) return 'present';
      throw new Error(`cannot add ${METADATA_ADDRESS6} to ${ifname}: ${((error as { stderr?: string }).stderr ?? (error as Error).message).trim()}`, { cause: error });
    }
  },
  async remove(ifname, netns) {
    await run('ip', [...inNetns(netns), '-6', 'addr', 'del', `${METADATA_ADDRESS6}/128`, 'dev', ifname]);
  },
};

/** The interfaces this process put fe80::a9fe:a9fe on (a VXLAN network's device in its namespace: `ifname@netns`). */
export class MetadataV6Addresses {
  readonly #added = new Set<string>();

  constructor(private readonly commands: Address6Commands = iproute2) {}

  async ensure(ifname: string, netns?: string): Promise<void> {
    if ((await this.commands.add(ifname, netns)) === 'added') this.#added.add(placeKey(ifname, netns));
  }

  /** Takes the address off `ifname` if this process put it there; an interface (or its namespace) already gone is forgotten. */
  async release(ifname: string, netns?: string): Promise<void> {
    const key = placeKey(ifname, netns);
    if (!this.#added.has(key)) return;
    try {
      await this.commands.remove(ifname, netns);
    } catch (error) {
      const message = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
      if (!/Cannot assign requested address|Cannot find device|Cannot open network namespace/.test(message)) {
        throw new Error(`cannot remove ${METADATA_ADDRESS6} from ${key}: ${message}`, { cause: error });
      }
    }
    this.#added.delete(key);
  }
}

/** An interface's name, `ifname@netns` in a namespace. Pure. */
function placeKey(ifname: string, netns: string | undefined): string {
  return netns === undefined ? ifname : `${ifname}@${netns}`;
}
