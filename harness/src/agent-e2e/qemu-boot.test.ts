/**
 * A real network boot (issue 23 point 4): QEMU (Debian's qemu-system-x86,
 * TCG, no KVM) with the ipxe-qemu ROM on a virtio NIC, its tap bridged in a
 * test namespace to the link the agent serves, boots from the network: the
 * ROM's DHCP gets its address, next server (siaddr) and boot file (a port's
 * Ironic-style `bootfile-name`) from Leasehold, downloads the iPXE script by
 * TFTP from the agent, and the script prints a marker on the serial console
 * and chain-loads a second script from the agent by TFTP, which prints
 * another. It needs qemu-system-x86_64 and the ROM, which scripts/setup.mjs
 * installs for `npm test`. About 15 s of emulated boot on an idle machine.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTftpOptions } from '@leasehold/agent';
import { ip } from '@leasehold/agent/testing';
import { formatIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
const root = mkdtempSync(join(tmpdir(), 'lh-qemu-boot-'));
const MAC = '52:54:00:4c:48:01';

beforeAll(async () => {
  writeFileSync(join(root, 'boot.ipxe'), '#!ipxe\necho LEASEHOLD-FIRST-STAGE ${net0/mac} ${net0/ip} from ${next-server}\nchain tftp://${next-server}/stage2.ipxe\n');
  writeFileSync(join(root, 'stage2.ipxe'), '#!ipxe\necho LEASEHOLD-SECOND-STAGE ${filename}\n');
  env = await startAgentEnv();
});
afterAll(async () => {
  await env.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('network boot with QEMU and iPXE', () => {
  test("QEMU's iPXE ROM gets its address, next server and boot file from Leasehold's DHCP and runs the script it downloads by TFTP from the agent", async () => {
    const link = await env.link();
    const lines: string[] = [];
    const agent = await env.startAgent(
      { agentId: 'agent-qemu', interfaceMappings: { physqemu: link.hostIf }, tftp: { ...defaultTftpOptions, enabled: true, root } },
      { log: (line) => lines.push(line) },
    );
    const { network, subnet } = await env.network('physqemu', { cidr: '198.18.118.0/24', allocation_pools: [{ start: '198.18.118.2', end: '198.18.118.99' }] });
    const port = await env.t.client.ports.create({
      network_id: network.id,
      mac_address: MAC,
      fixed_ips: [{ subnet_id: subnet.id, ip_address: '198.18.118.50' }],
      extra_dhcp_opts: [{ opt_name: 'bootfile-name', opt_value: 'boot.ipxe' }],
    });
    await env.bind(agent, network.id);
    const server = formatIpv4(agent.served()[0]!.serverIps.get(subnet.id)!);
    expect(port.fixed_ips[0]!.ip_address).toBe('198.18.118.50');

    // The guest's tap and the link's client end on one bridge inside the test namespace.
    await ip('-n', link.ns, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', link.ns, 'link', 'set', link.clientIf, 'master', 'br0');
    await ip('-n', link.ns, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap');
    await ip('-n', link.ns, 'link', 'set', 'tap0', 'master', 'br0');
    for (const dev of ['br0', 'tap0']) await ip('-n', link.ns, 'link', 'set', dev, 'up');

    let qemu: ChildProcess | undefined;
    let console = '';
    try {
      qemu = link.spawn('qemu-system-x86_64', [
        ...['-machine', 'pc', '-accel', 'tcg', '-m', '64', '-nographic', '-no-reboot'],
        ...['-netdev', 'tap,id=n0,ifname=tap0,script=no,downscript=no'],
        ...['-device', `virtio-net-pci,netdev=n0,mac=${MAC},bootindex=1`],
      ]);
      qemu.stdout!.on('data', (chunk: Buffer) => (console += chunk.toString('latin1').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')));
      qemu.stderr!.on('data', (chunk: Buffer) => (console += chunk.toString('latin1')));
      await expect.poll(() => console, { timeout: 240_000, interval: 500 }).toContain('LEASEHOLD-SECOND-STAGE');
    } finally {
      qemu?.kill('SIGKILL');
    }
    expect(console).toContain('Next server: ' + server);
    expect(console).toContain('Filename: boot.ipxe');
    expect(console).toContain(`LEASEHOLD-FIRST-STAGE ${MAC} 198.18.118.50 from ${server}`);
    expect(console).toContain("LEASEHOLD-SECOND-STAGE boot.ipxe"); // ${filename}: the boot file DHCP named
    const sent = lines.filter((l) => l.startsWith('tftp: sent'));
    expect(sent.some((l) => l.includes('boot.ipxe') && l.includes('to 198.18.118.50:'))).toBe(true);
    expect(sent.some((l) => l.includes('stage2.ipxe') && l.includes('to 198.18.118.50:'))).toBe(true);
  }, 300_000);
});
