/**
 * Network boot's download with real clients (issue 23 point 4): a client in
 * its own namespace gets its address from the agent by DHCP (udhcpc), then
 * downloads a 2 MB file from the agent's TFTP server at the DHCP server's
 * address, compared byte for byte: Debian's tftp-hpa (RFC 1350 only: 512-byte
 * blocks, no options), busybox's tftp with blksize 1428, and curl with
 * blksize 16384 (it also asks tsize). Writes, traversal and a missing file
 * are refused with the TFTP error the client prints. A text file in netascii
 * mode: curl keeps the wire's bytes, which are the file with CR LF line ends
 * and CR NUL for a bare CR; tftp-hpa converts back, giving the file itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTftpOptions } from '@leasehold/agent';
import { formatIpv4 } from '@leasehold/protocol';
import { startClient } from '@leasehold/agent/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
const root = mkdtempSync(join(tmpdir(), 'lh-tftp-e2e-root-'));
const out = mkdtempSync(join(tmpdir(), 'lh-tftp-e2e-out-'));
const image = randomBytes(2 * 1024 * 1024 + 123);
/** A text file with Unix and DOS line ends and a bare CR, for netascii. */
const text = Buffer.from('#!ipxe\necho netascii\r\nbare\rcarriage return\n'.repeat(300), 'latin1');

beforeAll(async () => {
  writeFileSync(join(root, 'boot.img'), image);
  writeFileSync(join(root, 'notes.txt'), text);
  env = await startAgentEnv();
});
afterAll(async () => {
  await env.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

describe("the agent's TFTP server with real clients", () => {
  test('tftp-hpa (512-byte blocks), busybox tftp (blksize 1428) and curl (blksize 16384) download a 2 MB file byte for byte from the DHCP server address; a write, .. and a missing file are refused; netascii is converted on the wire and back by tftp-hpa', async () => {
    const link = await env.link();
    const lines: string[] = [];
    const agent = await env.startAgent(
      { agentId: 'agent-tftp', interfaceMappings: { phystftp: link.hostIf }, tftp: { ...defaultTftpOptions, enabled: ['boot-net'], root } },
      { log: (line) => lines.push(line) },
    );
    const { network, subnet } = await env.network(
      'phystftp',
      { cidr: '198.18.117.0/24', allocation_pools: [{ start: '198.18.117.2', end: '198.18.117.99' }], dynamic_pools: [{ start: '198.18.117.100', end: '198.18.117.150' }] },
      { name: 'boot-net' },
    );
    await env.bind(agent, network.id);
    const server = formatIpv4(agent.served()[0]!.serverIps.get(subnet.id)!);
    const client = await startClient('udhcpc', link);
    try {
      const lease = await client.waitFor(['bound']);
      expect(lease.ip).toMatch(/^198\.18\.117\./);
      await expect.poll(() => agent.tftp.addresses(), { timeout: 10_000 }).toEqual([`${server}:69`]);
      const fetched = (name: string) => readFileSync(join(out, name));

      await link.exec('tftp', ['-m', 'binary', server, '-c', 'get', 'boot.img', join(out, 'hpa.img')], { timeoutMs: 120_000 });
      expect(fetched('hpa.img').equals(image)).toBe(true);

      await link.exec('busybox', ['tftp', '-g', '-b', '1428', '-r', 'boot.img', '-l', join(out, 'busybox.img'), server], { timeoutMs: 120_000 });
      expect(fetched('busybox.img').equals(image)).toBe(true);

      await link.exec('curl', ['-sS', '--tftp-blksize', '16384', '-o', join(out, 'curl.img'), `tftp://${server}/boot.img`], { timeoutMs: 120_000 });
      expect(fetched('curl.img').equals(image)).toBe(true);
      expect(agent.tftp.stats.transfers.completed).toBe(3);
      // Each client's block size as the server used it (tftp-hpa asks none: RFC 1350's 512).
      const sent = lines.filter((l) => l.startsWith('tftp: sent'));
      expect(sent.map((l) => /blksize (\d+)/.exec(l)?.[1])).toEqual(['512', '1428', '16384']);
      expect(sent.every((l) => l.includes(`(${image.length} bytes`))).toBe(true);

      const refused = async (args: string[]) => {
        const r = await link.exec('tftp', ['-m', 'binary', server, '-c', ...args], { timeoutMs: 60_000 }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }));
        return `${r.stdout}${r.stderr}`;
      };
      writeFileSync(join(out, 'upload.bin'), 'x');
      expect(await refused(['put', join(out, 'upload.bin'), 'upload.bin'])).toMatch(/Error code 2: access violation: this server is read-only/);
      expect(await refused(['get', '../../etc/passwd', join(out, 'passwd')])).toMatch(/Error code 2/);
      expect(await refused(['get', 'nothing.img', join(out, 'nothing')])).toMatch(/Error code 1: file not found/);
      expect(agent.tftp.stats.refused).toMatchObject({ write: 1, traversal: 1, 'not-found': 1 });

      // netascii: on the wire LF is CR LF and a bare CR is CR NUL (RFC 1350), written here on its own. curl keeps
      // the wire's bytes; tftp-hpa undoes the conversion as it writes, so its copy is the file itself.
      const wire = Buffer.from(text.toString('latin1').replace(/\r/g, '\r\0').replace(/\n/g, '\r\n'), 'latin1');
      await link.exec('curl', ['-sS', '--use-ascii', '-o', join(out, 'curl.txt'), `tftp://${server}/notes.txt`], { timeoutMs: 60_000 });
      expect(fetched('curl.txt').equals(wire)).toBe(true);
      await link.exec('tftp', ['-m', 'netascii', server, '-c', 'get', 'notes.txt', join(out, 'hpa.txt')], { timeoutMs: 60_000 });
      expect(fetched('hpa.txt').equals(text)).toBe(true);
      expect(lines.filter((l) => l.includes('notes.txt') && l.includes('as netascii'))).toHaveLength(2);
    } finally {
      await client.stop();
    }
  }, 300_000);
});
