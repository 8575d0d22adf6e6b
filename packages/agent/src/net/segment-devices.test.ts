import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseIpv4 } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { createTestLink, testTag } from '../testing/netns.js';
import { SegmentDevices, SegmentError, defaultSegmentConfig, namespacedAddress6Args, segmentPlacement, vlanDeviceArgs, vxlanDeviceCommands, vxlanRemoveCommands, type CommandRunner, type Placement } from './segment-devices.js';

const run = promisify(execFile);

function recorder(fail: (command: string, args: readonly string[]) => string | undefined = () => undefined) {
  const calls: string[] = [];
  const runner: CommandRunner = async (command, args) => {
    calls.push(`${command} ${args.join(' ')}`);
    const error = fail(command, args);
    if (error) throw new SegmentError(error);
  };
  return { calls, runner };
}

describe('where a segment is served', () => {
  const base = { networkId: 'n1', physical: 'eth1' } as const;

  test('a flat or untyped network is served on the mapped interface itself', () => {
    expect(segmentPlacement({ ...base, type: 'flat', segmentationId: null }, {})).toStrictEqual({ kind: 'physical', ifname: 'eth1' });
    expect(segmentPlacement({ ...base, type: null, segmentationId: null }, {})).toStrictEqual({ kind: 'physical', ifname: 'eth1' });
  });

  test('a VXLAN network is served on a device named by its VNI in the namespace qdhcp-<network>', () => {
    expect(segmentPlacement({ ...base, type: 'vxlan', segmentationId: 16777215 }, {})).toStrictEqual({ kind: 'vxlan', ifname: 'vxlan-16777215', netns: 'qdhcp-n1', physical: 'eth1', vni: 16777215 });
  });

  test("a VLAN network is served on the interface the operator's template names, else on a kernel device <physical>.<vid>", () => {
    expect(segmentPlacement({ ...base, type: 'vlan', segmentationId: 101 }, { vlanInterfaceTemplate: 'br{physical}-{vid}' })).toStrictEqual({ kind: 'vlan-template', ifname: 'breth1-101' });
    expect(segmentPlacement({ ...base, type: 'vlan', segmentationId: 101 }, {})).toStrictEqual({ kind: 'vlan-kernel', ifname: 'eth1.101', physical: 'eth1', vid: 101 });
  });

  test('a flat or VLAN network whose physical network is not mapped here is served through relays only; a VXLAN one still gets its device', () => {
    expect(segmentPlacement({ ...base, physical: undefined, type: 'flat', segmentationId: null }, {})).toBeUndefined();
    expect(segmentPlacement({ ...base, physical: undefined, type: 'vlan', segmentationId: 5 }, { vlanInterfaceTemplate: '{physical}.{vid}' })).toBeUndefined();
    expect(segmentPlacement({ ...base, physical: undefined, type: 'vxlan', segmentationId: 5 }, {})).toMatchObject({ kind: 'vxlan', physical: undefined });
  });

  test('a segment without an id, or whose interface name is too long, is refused with the network named', () => {
    expect(() => segmentPlacement({ ...base, type: 'vxlan', segmentationId: null }, {})).toThrow(/network n1: a vxlan segment needs a segmentation id/);
    expect(() => segmentPlacement({ ...base, physical: 'enp0s31f6xy', type: 'vlan', segmentationId: 4094 }, {})).toThrow(/"enp0s31f6xy.4094" is not an interface name/);
  });
});

describe('the commands that make and remove devices', () => {
  test('a kernel VLAN device is made with ip link add link <physical> name <physical>.<vid> type vlan id <vid>', () => {
    expect(vlanDeviceArgs('eth1', 101)).toStrictEqual(['link', 'add', 'link', 'eth1', 'name', 'eth1.101', 'type', 'vlan', 'id', '101']);
  });

  test('a VXLAN device is made outside its namespace, moved in under its name, given its remote VTEPs and brought up', () => {
    const p = { kind: 'vxlan', ifname: 'vxlan-7', netns: 'qdhcp-n1', physical: 'eth1', vni: 7 } as const;
    const text = (cs: ReturnType<typeof vxlanDeviceCommands>) => cs.map((c) => `${c.mayFail ? '?' : ''}${c.command} ${c.args.join(' ')}`);
    expect(text(vxlanDeviceCommands(p, '198.18.9.1', { remotes: ['198.18.9.2', '198.18.9.3'], port: 4789 }))).toStrictEqual([
      '?ip netns add qdhcp-n1',
      '?ip -n qdhcp-n1 link del vxlan-7',
      '?ip link del lhvx-7',
      'ip link add lhvx-7 type vxlan id 7 dstport 4789 local 198.18.9.1 dev eth1 nolearning',
      'ip link set lhvx-7 netns qdhcp-n1 name vxlan-7',
      'bridge -n qdhcp-n1 fdb append 00:00:00:00:00:00 dev vxlan-7 dst 198.18.9.2',
      'bridge -n qdhcp-n1 fdb append 00:00:00:00:00:00 dev vxlan-7 dst 198.18.9.3',
      'ip -n qdhcp-n1 link set lo up',
      'ip -n qdhcp-n1 link set vxlan-7 up',
    ]);
    expect(text(vxlanDeviceCommands(p, '198.18.9.1', { group: '239.1.1.1', remotes: ['198.18.9.2'], port: 8472 }))[3]).toBe('ip link add lhvx-7 type vxlan id 7 dstport 8472 local 198.18.9.1 dev eth1 group 239.1.1.1');
    expect(text(vxlanDeviceCommands({ ...p, physical: undefined }, '198.18.9.1', { remotes: [], port: 4789 }))[3]).toBe('ip link add lhvx-7 type vxlan id 7 dstport 4789 local 198.18.9.1 nolearning');
    expect(text(vxlanDeviceCommands({ ...p, mac: 'fa:16:3e:00:00:01' }, '198.18.9.1', { remotes: [], port: 4789 }))[3]).toBe(
      'ip link add lhvx-7 address fa:16:3e:00:00:01 type vxlan id 7 dstport 4789 local 198.18.9.1 dev eth1 nolearning',
    );
    expect(text(vxlanRemoveCommands(p))).toStrictEqual(['?ip -n qdhcp-n1 link del vxlan-7', '?ip netns del qdhcp-n1']);
  });

  test("a VXLAN device with the DHCP port's MAC gets that MAC's EUI-64 link-local address without duplicate address detection, the kernel's own turned off before it is up", () => {
    const p = { kind: 'vxlan', ifname: 'vxlan-7', netns: 'qdhcp-n1', physical: 'eth1', vni: 7, mac: 'fa:16:3e:00:00:01' } as const;
    const text = vxlanDeviceCommands(p, '198.18.9.1', { remotes: [], port: 4789 }).map((c) => `${c.mayFail ? '?' : ''}${c.command} ${c.args.join(' ')}`);
    expect(text.slice(-4)).toStrictEqual([
      'ip -n qdhcp-n1 link set lo up',
      '?ip -n qdhcp-n1 link set vxlan-7 addrgenmode none',
      'ip -n qdhcp-n1 link set vxlan-7 up',
      '?ip -n qdhcp-n1 addr add fe80::f816:3eff:fe00:1/64 dev vxlan-7 nodad',
    ]);
    expect(namespacedAddress6Args('qdhcp-n1', 'vxlan-7', 'fd00:1::2', 64)).toStrictEqual(['-n', 'qdhcp-n1', 'addr', 'add', 'fd00:1::2/64', 'dev', 'vxlan-7', 'nodad']);
  });

  test("SegmentDevices makes a network's device once, remakes it when its segment changes, and removes what it made", async () => {
    const { calls, runner } = recorder();
    const devices = new SegmentDevices({ vxlan: { remotes: [], port: 4789 } }, () => '198.18.9.1', runner);
    const a = segmentPlacement({ networkId: 'n1', physical: 'eth1', type: 'vxlan', segmentationId: 7 }, {})!;
    expect(await devices.ensure('n1', a)).toBe(true);
    expect(await devices.ensure('n1', a)).toBe(false);
    expect(calls.filter((c) => c.startsWith('ip link add'))).toHaveLength(1);
    await devices.ensure('n1', segmentPlacement({ networkId: 'n1', physical: 'eth1', type: 'vxlan', segmentationId: 8 }, {})!);
    expect(calls.filter((c) => c.startsWith('ip link add')).at(-1)).toContain('id 8');
    expect(calls).toContain('ip netns del qdhcp-n1');
    // An address is put on a device once, and again once the device is made anew.
    await devices.ensureAddress('qdhcp-n1', 'vxlan-8', parseIpv4('198.18.9.5'), 24);
    await devices.ensureAddress('qdhcp-n1', 'vxlan-8', parseIpv4('198.18.9.5'), 24);
    expect(calls.filter((c) => c.includes('addr add'))).toStrictEqual(['ip -n qdhcp-n1 addr add 198.18.9.5/24 dev vxlan-8']);
    calls.length = 0;
    await devices.ensure('n2', { kind: 'physical', ifname: 'eth1' });
    expect(calls).toStrictEqual([]);
    expect(await devices.removeExcept(new Set(['n2']))).toStrictEqual([]);
    expect(calls).toStrictEqual(['ip -n qdhcp-n1 link del vxlan-8', 'ip netns del qdhcp-n1']);
    expect(devices.made()).toStrictEqual([]);
  });

  test('a VXLAN device that cannot be made leaves no namespace behind and the error names the command', async () => {
    const { calls, runner } = recorder((command, args) => (args.includes('add') && args.includes('type') ? 'Cannot find device "eth9"' : undefined));
    const devices = new SegmentDevices(defaultSegmentConfig, () => '198.18.9.1', runner);
    await expect(devices.ensure('n1', segmentPlacement({ networkId: 'n1', physical: 'eth9', type: 'vxlan', segmentationId: 7 }, {})!)).rejects.toThrow(/Cannot find device "eth9"/);
    expect(calls.at(-1)).toBe('ip netns del qdhcp-n1');
    await expect(new SegmentDevices(defaultSegmentConfig, () => undefined, runner).ensure('n1', segmentPlacement({ networkId: 'n1', physical: 'eth9', type: 'vxlan', segmentationId: 7 }, {})!)).rejects.toThrow(
      /eth9 has no IPv4 address to carry VXLAN 7/,
    );
  });

  test('with iproute2 for real: a VXLAN device in its namespace, replaced after a crash, removed with its namespace', async () => {
    const tag = testTag();
    await using link = await createTestLink({ tag, hostAddress: '198.18.254.1/24' });
    const physical = link.hostIf;
    const networkId = `seg-${tag}`;
    try {
      const vni = (parseInt(tag, 16) % 16_000_000) + 1;
      const placement = { ...segmentPlacement({ networkId, physical, type: 'vxlan', segmentationId: vni }, {})!, mac: 'fa:16:3e:00:00:05' } as Placement;
      const config = { vxlan: { remotes: ['198.18.254.2'], port: 47_000 + (parseInt(tag, 16) % 1000) } };
      const devices = new SegmentDevices(config, () => '198.18.254.1');
      await devices.ensure(networkId, placement);
      await devices.ensureAddress(`qdhcp-${networkId}`, `vxlan-${vni}`, parseIpv4('198.18.5.2'), 24);
      await devices.ensureAddress(`qdhcp-${networkId}`, `vxlan-${vni}`, parseIpv4('198.18.5.2'), 24);
      const shown = (await run('ip', ['-d', '-n', `qdhcp-${networkId}`, 'addr', 'show', `vxlan-${vni}`])).stdout;
      expect(shown).toContain(`vxlan id ${vni}`);
      expect(shown).toContain('local 198.18.254.1');
      expect(shown).toContain('inet 198.18.5.2/24');
      // Its IPv6 addresses, usable at once: the port MAC's link-local one and the port's own.
      await devices.ensureAddress6(`qdhcp-${networkId}`, `vxlan-${vni}`, 'fd00:5::2', 64);
      const shown6 = (await run('ip', ['-6', '-n', `qdhcp-${networkId}`, 'addr', 'show', `vxlan-${vni}`])).stdout;
      expect(shown6).toContain('inet6 fe80::f816:3eff:fe00:5/64');
      expect(shown6).toContain('inet6 fd00:5::2/64');
      expect(shown6).not.toContain('tentative');
      expect(shown6.match(/inet6 fe80::/g)).toHaveLength(1);
      expect((await run('bridge', ['-n', `qdhcp-${networkId}`, 'fdb', 'show', 'dev', `vxlan-${vni}`])).stdout).toContain('dst 198.18.254.2');
      // A new process (after a crash) replaces what the last one left.
      const again = new SegmentDevices(config, () => '198.18.254.1');
      await again.ensure(networkId, placement);
      expect((await run('ip', ['-n', `qdhcp-${networkId}`, 'addr', 'show', `vxlan-${vni}`])).stdout).not.toContain('198.18.5.2');
      expect(await again.removeAll()).toStrictEqual([]);
      expect((await run('ip', ['netns', 'list'])).stdout).not.toContain(`qdhcp-${networkId}`);
      expect((await run('ip', ['-d', 'link', 'show', 'type', 'vxlan'])).stdout).not.toContain(`id ${vni} `);
    } finally {
      await run('ip', ['netns', 'del', `qdhcp-${networkId}`]).catch(() => {});
    }
  });
});
