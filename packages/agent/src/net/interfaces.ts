/**
 * Looking at and configuring the host's interfaces: index by name, the IPv4
 * addresses on one, and adding the DHCP port's address to an interface that
 * lacks it (as Neutron's agent does in its qdhcp namespace, with iproute2).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { formatIpv4, tryParseIpv4, type Ipv4 } from '@leasehold/protocol';

const run = promisify(execFile);

export class InterfaceError extends Error {
  override name = 'InterfaceError';
}

/** The kernel's index of an interface; throws `InterfaceError` when there is no such interface. */
export function interfaceIndex(name: string): number {
  if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(name)) throw new InterfaceError(`"${name}" is not an interface name`);
  try {
    return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
  } catch {
    throw new InterfaceError(`interface ${name} does not exist in this network namespace`);
  }
}

export interface InterfaceAddress {
  readonly address: Ipv4;
  readonly prefix: number;
}

/**
 * The IPv4 addresses configured on an interface, now, or in `snapshot` (one
 * `os.networkInterfaces()` read for many interfaces: each read lists every
 * interface of the host).
 */
export function interfaceAddresses(name: string, snapshot: ReturnType<typeof networkInterfaces> = networkInterfaces()): InterfaceAddress[] {
  return (snapshot[name] ?? [])
    .filter((a) => a.family === 'IPv4')
    .map((a) => ({ address: tryParseIpv4(a.address)!, prefix: Number(a.cidr?.split('/')[1] ?? 32) }));
}

/**
 * Whether iproute2's error for `ip addr add` says the interface has the
 * address already: "File exists" (IPv4, older versions for IPv6) or, from
 * newer versions for IPv6, "address already assigned". Pure.
 */
export function addressAlreadyAssigned(message: string): boolean {
  return /File exists|already assigned/.test(message);
}

/** Adds `address/prefix` to the interface unless it has it, and brings the interface up. */
export async function ensureInterfaceAddress(name: string, address: Ipv4, prefix: number): Promise<'added' | 'present'> {
  const present = interfaceAddresses(name).some((a) => a.address === address);
  if (!present) {
    try {
      await run('ip', ['addr', 'add', `${formatIpv4(address)}/${prefix}`, 'dev', name]);
    } catch (error) {
      const message = (error as { stderr?: string }).stderr ?? (error as Error).message;
      if (!addressAlreadyAssigned(message)) throw new InterfaceError(`cannot add ${formatIpv4(address)}/${prefix} to ${name}: ${message.trim()}`);
    }
  }
  await run('ip', ['link', 'set', name, 'up']);
  return present ? 'present' : 'added';
}
