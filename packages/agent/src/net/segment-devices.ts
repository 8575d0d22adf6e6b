/**
 * Each served network's own interface (issue 18 point 1), as Neutron's DHCP
 * agent gets a tap in the network's bridge:
 *
 * - `flat` (and a network without a type): the mapped physical interface
 *   itself, in the agent's namespace (as before segments);
 * - `vxlan`: a kernel VXLAN device for the VNI over the mapped interface's
 *   address, made by the agent in the agent's namespace (where its UDP
 *   socket stays) and moved into the network's own namespace
 *   `qdhcp-<network>`, so tenants with the same addresses never meet: the
 *   DHCP socket is opened there (net/udp-socket.ts) and the DHCP port's
 *   address put there. Removed, namespace and all, with the network and at
 *   agent stop; a device or namespace left from a crash is replaced;
 * - `vlan`: the interface an operator's template names (`{physical}.{vid}`,
 *   as Neutron's linuxbridge agent names the bridge the DHCP agent plugs
 *   into), in the agent's namespace; without a template, a kernel 802.1Q
 *   device `<physical>.<vid>` the agent makes (`vlanDeviceArgs`; untested
 *   here: the kernel these tests run on has no 802.1Q).
 *
 * Devices and namespaces are managed with iproute2 through child_process
 * (a handful of commands per network change, never per packet): the
 * commands are built by pure functions, tested on their arguments.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eui64Address, formatIpv4, formatIpv6, parseIpv6Prefix, type Ipv4 } from '@leasehold/protocol';
import { addressAlreadyAssigned } from './interfaces.js';

const exec = promisify(execFile);

/** VXLAN settings of the agent (Neutron's linuxbridge agent's [vxlan] section). */
export interface VxlanConfig {
  /** The address VXLAN packets leave from (Neutron's local_ip); default: the underlay interface's first IPv4 address. */
  readonly local?: string;
  /**
   * The underlay interface of VXLAN networks, which have no physical network
   * (Neutron's tunnels); unset: the `*` mapping. A VXLAN network that names a
   * physical network uses that one's mapping.
   */
  readonly interface?: string;
  /** A multicast group every VTEP of a VNI joins (Neutron's vxlan_group); else `remotes`. */
  readonly group?: string;
  /** The other VTEPs, flooded with broadcast and unknown frames (head-end replication, as l2population's static entries). */
  readonly remotes: readonly string[];
  /** UDP port of the VXLAN packets (4789, IANA's; Linux's own default is 8472). */
  readonly port: number;
}

export interface SegmentConfig {
  /** `{physical}` (the mapped interface) and `{vid}`: the existing interface of a VLAN segment; unset: the agent makes `<physical>.<vid>`. */
  readonly vlanInterfaceTemplate?: string;
  readonly vxlan: VxlanConfig;
}

export const defaultSegmentConfig: SegmentConfig = { vxlan: { remotes: [], port: 4789 } };

/** A network's segment as the agent reads it from the network's provider fields. */
export interface Segment {
  readonly networkId: string;
  readonly type: 'flat' | 'vlan' | 'vxlan' | null;
  readonly segmentationId: number | null;
  /** The interface the network's physical network maps to here (for VXLAN: the underlay interface); undefined: none. */
  readonly physical: string | undefined;
}

/** Where a network is served: an interface, in a namespace of its own or not, and what makes it. */
export type Placement =
  | { readonly kind: 'physical'; readonly ifname: string }
  | { readonly kind: 'vlan-template'; readonly ifname: string }
  | { readonly kind: 'vlan-kernel'; readonly ifname: string; readonly physical: string; readonly vid: number }
  | {
      readonly kind: 'vxlan';
      readonly ifname: string;
      readonly netns: string;
      readonly physical: string | undefined;
      readonly vni: number;
      /** The DHCP port's MAC, which the device takes (as Neutron's DHCP tap does): after a failover, clients' ARP entries still hold. */
      readonly mac?: string;
    };

export class SegmentError extends Error {
  override name = 'SegmentError';
}

/** The namespace of a network served in its own (Neutron's qdhcp-<network>). Pure. */
export function networkNamespace(networkId: string): string {
  return `qdhcp-${networkId}`;
}

/**
 * Where a segment is served; undefined when nowhere here (a flat or VLAN
 * network whose physical network this agent does not map: relays only).
 * Pure; throws `SegmentError` for a segment that cannot be (no id, a name
 * too long).
 */
export function segmentPlacement(segment: Segment, config: Pick<SegmentConfig, 'vlanInterfaceTemplate'>): Placement | undefined {
  const { type, segmentationId: id, physical, networkId } = segment;
  if (type !== 'vxlan' && physical === undefined) return undefined;
  if (type === null || type === 'flat') return { kind: 'physical', ifname: physical! };
  if (id === null || !Number.isInteger(id) || id < 1) throw new SegmentError(`network ${networkId}: a ${type} segment needs a segmentation id`);
  if (type === 'vxlan') return { kind: 'vxlan', ifname: `vxlan-${id}`, netns: networkNamespace(networkId), physical, vni: id };
  if (physical === undefined) return undefined;
  const template = config.vlanInterfaceTemplate;
  const ifname = template === undefined ? `${physical}.${id}` : template.replaceAll('{physical}', physical).replaceAll('{vid}', String(id));
  if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(ifname)) throw new SegmentError(`network ${networkId}: VLAN interface "${ifname}" is not an interface name (at most 15 characters)`);
  return template === undefined ? { kind: 'vlan-kernel', ifname, physical, vid: id } : { kind: 'vlan-template', ifname };
}

/** `ip` arguments that make the kernel 802.1Q device `<physical>.<vid>`. Pure. The kernel path is untested here (no 802.1Q in this kernel). */
export function vlanDeviceArgs(physical: string, vid: number, ifname = `${physical}.${vid}`): string[] {
  return ['link', 'add', 'link', physical, 'name', ifname, 'type', 'vlan', 'id', String(vid)];
}

/** One command: `ip` or `bridge` with its arguments; `mayFail` when an error means "already so" or "already gone". */
export interface DeviceCommand {
  readonly command: 'ip' | 'bridge';
  readonly args: readonly string[];
  readonly mayFail?: boolean;
}

/**
 * The commands that (re)make a VXLAN segment's device in its namespace,
 * replacing whatever a crash left: the namespace (kept if there), the old
 * device in it and a half-made one here removed, the device made here over
 * `local` on `physical`, moved into the namespace under its name, given its
 * remote VTEPs, brought up. Pure.
 */
export function vxlanDeviceCommands(p: Extract<Placement, { kind: 'vxlan' }>, local: string, vxlan: VxlanConfig): DeviceCommand[] {
  // Made under a name of its own here, so a VNI's device in one namespace never clashes with another's while it is made.
  const staging = `lhvx-${p.vni}`;
  const flood = vxlan.group === undefined ? ['nolearning'] : ['group', vxlan.group];
  return [
    { command: 'ip', args: ['netns', 'add', p.netns], mayFail: true },
    { command: 'ip', args: ['-n', p.netns, 'link', 'del', p.ifname], mayFail: true },
    { command: 'ip', args: ['link', 'del', staging], mayFail: true },
    {
      command: 'ip',
      args: ['link', 'add', staging, ...(p.mac === undefined ? [] : ['address', p.mac]), 'type', 'vxlan', 'id', String(p.vni), 'dstport', String(vxlan.port), 'local', local, ...(p.physical === undefined ? [] : ['dev', p.physical]), ...flood],
    },
    { command: 'ip', args: ['link', 'set', staging, 'netns', p.netns, 'name', p.ifname] },
    // The all-zeros entry floods broadcasts (DHCP's) and unknown unicast to every remote VTEP.
    ...(vxlan.group === undefined ? vxlan.remotes.map((r): DeviceCommand => ({ command: 'bridge', args: ['-n', p.netns, 'fdb', 'append', '00:00:00:00:00:00', 'dev', p.ifname, 'dst', r] })) : []),
    { command: 'ip', args: ['-n', p.netns, 'link', 'set', 'lo', 'up'] },
    ...(p.mac === undefined ? [] : linkLocalCommands(p.netns, p.ifname, p.mac, 'before-up')),
    { command: 'ip', args: ['-n', p.netns, 'link', 'set', p.ifname, 'up'] },
    ...(p.mac === undefined ? [] : linkLocalCommands(p.netns, p.ifname, p.mac, 'after-up')),
  ];
}

/**
 * The device's IPv6 link-local address (DHCPv6 answers from it, RFC 8415
 * 13.1), usable at once: the kernel's own would stay tentative through
 * duplicate address detection (a second or more), and a reply cannot leave
 * from a tentative address. So the kernel makes none (addrgenmode none,
 * before the device is up) and the agent adds the same EUI-64 one of the
 * port's MAC, which the device takes, with nodad: the MAC is the DHCP port's,
 * unique on the network (its claim). May fail (a kernel without IPv6):
 * IPv4 is served all the same. Pure.
 */
function linkLocalCommands(netns: string, ifname: string, mac: string, when: 'before-up' | 'after-up'): DeviceCommand[] {
  if (when === 'before-up') return [{ command: 'ip', args: ['-n', netns, 'link', 'set', ifname, 'addrgenmode', 'none'], mayFail: true }];
  const linkLocal = formatIpv6(eui64Address(parseIpv6Prefix('fe80::/64'), mac));
  return [{ command: 'ip', args: ['-n', netns, 'addr', 'add', `${linkLocal}/64`, 'dev', ifname, 'nodad'], mayFail: true }];
}

/** The commands that remove a VXLAN segment's device and namespace (the device first: an open socket keeps a namespace alive). Pure. */
export function vxlanRemoveCommands(p: Extract<Placement, { kind: 'vxlan' }>): DeviceCommand[] {
  return [
    { command: 'ip', args: ['-n', p.netns, 'link', 'del', p.ifname], mayFail: true },
    { command: 'ip', args: ['netns', 'del', p.netns], mayFail: true },
  ];
}

/** `ip` arguments that put the DHCP port's address on a device in a namespace. Pure. */
export function namespacedAddressArgs(netns: string, ifname: string, address: Ipv4, prefix: number): string[] {
  return ['-n', netns, 'addr', 'add', `${formatIpv4(address)}/${prefix}`, 'dev', ifname];
}

/** `ip` arguments that put the DHCP port's IPv6 address on a device in a namespace, usable at once (nodad: the address is the port's, claimed on the network). Pure. */
export function namespacedAddress6Args(netns: string, ifname: string, address: string, prefix: number): string[] {
  return ['-n', netns, 'addr', 'add', `${address}/${prefix}`, 'dev', ifname, 'nodad'];
}

/** Runs one command; rejects with its stderr. */
export type CommandRunner = (command: 'ip' | 'bridge', args: readonly string[]) => Promise<void>;

const runCommand: CommandRunner = async (command, args) => {
  try {
    await exec(command, [...args]);
  } catch (error) {
    const stderr = ((error as { stderr?: string }).stderr ?? '').trim();
    throw new SegmentError(`${command} ${args.join(' ')}: ${stderr || (error as Error).message}`);
  }
};

/**
 * The devices and namespaces this agent made, by network. `ensure` makes a
 * network's device once per process (again when its placement changes);
 * `removeExcept` and `removeAll` take them away.
 */
export class SegmentDevices {
  /** Network id → its device, and the addresses put on it since it was made (a pass puts each once, not an `ip` per network per pass). */
  readonly #made = new Map<string, { readonly placement: Placement; readonly key: string; readonly addresses: Set<string> }>();

  constructor(
    private readonly config: SegmentConfig,
    /** The underlay interface's address for VXLAN when `vxlan.local` is unset. */
    private readonly localAddressOf: (physical: string) => string | undefined,
    private readonly run: CommandRunner = runCommand,
  ) {}

  /**
   * Makes what `placement` needs unless this process made it already (same
   * placement, same MAC); throws `SegmentError` naming the failed command.
   * True when it made the device now: a socket bound to the one it replaced
   * hears nothing any more.
   */
  async ensure(networkId: string, placement: Placement): Promise<boolean> {
    if (placement.kind === 'physical' || placement.kind === 'vlan-template') return false;
    const key = JSON.stringify(placement);
    if (this.#made.get(networkId)?.key === key) return false;
    await this.remove(networkId);
    if (placement.kind === 'vlan-kernel') {
      await this.run('ip', vlanDeviceArgs(placement.physical, placement.vid, placement.ifname)).catch((e: Error) => {
        if (!/File exists/.test(e.message)) throw e;
      });
      await this.run('ip', ['link', 'set', placement.ifname, 'up']);
    } else {
      const local = this.config.vxlan.local ?? (placement.physical === undefined ? undefined : this.localAddressOf(placement.physical));
      if (local === undefined) {
        throw new SegmentError(`network ${networkId}: ${placement.physical === undefined ? 'no underlay interface' : `${placement.physical} has no IPv4 address`} to carry VXLAN ${placement.vni} (set the agent's vxlan local address or interface)`);
      }
      try {
        await this.runAll(vxlanDeviceCommands(placement, local, this.config.vxlan));
      } catch (error) {
        // Nothing half-made is left for a namespace nobody would remove.
        await this.runAll([{ command: 'ip', args: ['link', 'del', `lhvx-${placement.vni}`], mayFail: true }, ...vxlanRemoveCommands(placement)]);
        throw error;
      }
    }
    this.#made.set(networkId, { placement, key, addresses: new Set() });
    return true;
  }

  /** Puts the DHCP port's address on a namespaced device once (iproute2's "already assigned" or "File exists": it is there). */
  async ensureAddress(netns: string, ifname: string, address: Ipv4, prefix: number): Promise<void> {
    await this.addOnce(netns, ifname, `${address}/${prefix}`, namespacedAddressArgs(netns, ifname, address, prefix));
  }

  /** The same for the DHCP port's IPv6 address (RFC 5952 text), on the device of a network with a DHCPv6 subnet. */
  async ensureAddress6(netns: string, ifname: string, address: string, prefix: number): Promise<void> {
    await this.addOnce(netns, ifname, `${address}/${prefix}`, namespacedAddress6Args(netns, ifname, address, prefix));
  }

  /** Removes the devices of every network not in `keep`; returns one line per failure (tried again next time). */
  async removeExcept(keep: ReadonlySet<string>): Promise<string[]> {
    const failures: string[] = [];
    for (const networkId of [...this.#made.keys()]) {
      if (!keep.has(networkId)) await this.remove(networkId).catch((e: Error) => failures.push(e.message));
    }
    return failures;
  }

  /** Removes every device and namespace this process made (agent stop). */
  removeAll(): Promise<string[]> {
    return this.removeExcept(new Set());
  }

  /** The networks with a device made here, and their interfaces. */
  made(): { networkId: string; placement: Placement }[] {
    return [...this.#made].map(([networkId, { placement }]) => ({ networkId, placement }));
  }

  private async remove(networkId: string): Promise<void> {
    const made = this.#made.get(networkId);
    if (!made) return;
    const { placement } = made;
    if (placement.kind === 'vxlan') await this.runAll(vxlanRemoveCommands(placement));
    else if (placement.kind === 'vlan-kernel') await this.run('ip', ['link', 'del', placement.ifname]).catch(() => {});
    this.#made.delete(networkId);
  }

  private async addOnce(netns: string, ifname: string, key: string, args: readonly string[]): Promise<void> {
    const made = [...this.#made.values()].find(({ placement: p }) => p.kind === 'vxlan' && p.netns === netns && p.ifname === ifname);
    if (made?.addresses.has(key)) return;
    await this.run('ip', args).catch((e: Error) => {
      if (!addressAlreadyAssigned(e.message)) throw e;
    });
    made?.addresses.add(key);
  }

  private async runAll(commands: readonly DeviceCommand[]): Promise<void> {
    for (const { command, args, mayFail } of commands) {
      await this.run(command, args).catch((error: Error) => {
        if (!mayFail) throw error;
      });
    }
  }
}
