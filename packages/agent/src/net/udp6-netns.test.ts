import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { createTestLink, type TestLink } from '../testing/netns.js';
import { openUdp6InNamespace, type Udp6Source } from './udp6-netns.js';

const run = promisify(execFile);

/** Both ends' link-local addresses past duplicate address detection (a tentative one can neither send nor be answered). */
async function linkLocalsReady(link: TestLink): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const host = (await run('ip', ['-6', 'addr', 'show', 'dev', link.hostIf])).stdout;
    const client = (await link.exec('ip', ['-6', 'addr', 'show', 'dev', link.clientIf])).stdout;
    const address = /inet6 (fe80::[0-9a-f:]+)\//.exec(host)?.[1];
    if (address && client.includes('fe80::') && !host.includes('tentative') && !client.includes('tentative')) return address;
    if (Date.now() > deadline) throw new Error(`link-local addresses not ready:\n${host}\n${client}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('an IPv6 socket inside a namespace', () => {
  test('it hears ff02::1:2 on its interface there, names the link-local sender without a scope, and its reply reaches the sender through that interface', async () => {
    await using link = await createTestLink();
    const hostLinkLocal = await linkLocalsReady(link);
    const port = 15_547;
    const heard: { text: string; from: Udp6Source }[] = [];
    const socket = openUdp6InNamespace(link.ns, link.clientIf, port, 'ff02::1:2', (data, from) => {
      heard.push({ text: Buffer.from(data).toString(), from });
      socket.send(Buffer.from('answer'), from.port, from.address);
    });
    const client = createSocket({ type: 'udp6' });
    try {
      const answers: string[] = [];
      client.on('message', (m) => answers.push(m.toString()));
      await new Promise<void>((resolve) => client.bind(0, `${hostLinkLocal}%${link.hostIf}`, resolve));
      client.send('solicit', port, `ff02::1:2%${link.hostIf}`);
      await expect.poll(() => answers, { timeout: 5000 }).toStrictEqual(['answer']);
      expect(heard).toStrictEqual([{ text: 'solicit', from: { address: hostLinkLocal, port: client.address().port } }]);
    } finally {
      client.close();
      socket.close();
    }
  });

  test('a namespace or interface that is not there is a clear error', async () => {
    await using link = await createTestLink();
    expect(() => openUdp6InNamespace(`${link.ns}-gone`, link.clientIf, 15_548, 'ff02::1:2', () => {})).toThrow(/open a DHCPv6 socket: No such file or directory/);
    expect(() => openUdp6InNamespace(link.ns, 'lhnosuchif', 15_548, 'ff02::1:2', () => {})).toThrow(/open a DHCPv6 socket: No such device/);
  });
});
