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
import { addressAlreadyAssigned } from './interfaces.js';
import { OwnAddressSet, type AddressCommands } from './own-addresses.js';

const run = promisify(execFile);

const stderrOf = (error: unknown) => ((error as { stderr?: string }).stderr ?? (error as Error).message).trim();

const iproute2: AddressCommands<string> = {
  async add(ifname, address, prefix) {
    // Every reconcile asks again: no process is spawned for an address already there.
    if ((networkInterfaces()[ifname] ?? []).some((a) => a.family === 'IPv6' && a.address === address)) return 'present';
    try {
      await run('ip', ['-6', 'addr', 'add', `${address}/${prefix}`, 'dev', ifname, 'nodad']);
      return 'added';
    } catch (error) {
      if (addressAlreadyAssigned(stderrOf(error))) return 'present';
      throw new Error(`cannot add ${address}/${prefix} to ${ifname}: ${stderrOf(error)}`, { cause: error });
    }
  },
  async remove(ifname, address, prefix) {
    await run('ip', ['-6', 'addr', 'del', `${address}/${prefix}`, 'dev', ifname]);
  },
};

/** The IPv6 addresses of the agent's DHCP ports (RFC 5952 text), kept as the IPv4 ones are (own-addresses.ts). */
export class OwnAddresses6 extends OwnAddressSet<string> {
  constructor(commands: AddressCommands<string> = iproute2) {
    super(commands, (address) => address);
  }
}
