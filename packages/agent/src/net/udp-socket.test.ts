import { execFile, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { createTestLink } from '../testing/netns.js';
import { openUdpSocket, nativeNet } from './udp-socket.js';

const run = promisify(execFile);

/** Sends one UDP broadcast from inside a namespace with Node itself (no extra tools). */
async function broadcastFrom(ns: string, port: number, text: string) {
  const script = `const s=require('dgram').createSocket('udp4');s.bind(0,()=>{s.setBroadcast(true);s.send(${JSON.stringify(text)},${port},'255.255.255.255',(e)=>{if(e){console.error(e.message);process.exit(1)}s.close()})})`;
  await run('ip', ['netns', 'exec', ns, process.execPath, '-e', script]);
}

describe('interface-bound UDP sockets', () => {
  test('the native addon is built', () => {
    expect(nativeNet()).not.toBeNull();
  });

  test('two sockets on the same port, each bound to its interface, hear only their own interface\'s broadcasts', async () => {
    await using a = await createTestLink({ hostAddress: '198.18.250.1/24' });
    await using b = await createTestLink({ hostAddress: '198.18.251.1/24' });
    for (const [link, address] of [[a, '198.18.250.2/24'], [b, '198.18.251.2/24']] as const) {
      await link.exec('ip', ['addr', 'add', address, 'dev', link.clientIf]);
      // A UDP socket needs a route for the limited broadcast (real DHCP clients use raw sockets).
      await link.exec('ip', ['route', 'add', '255.255.255.255', 'dev', link.clientIf]);
    }
    const heard: Record<string, string[]> = { a: [], b: [] };
    const port = 16767;
    const text = (datagrams: readonly Uint8Array[]) => datagrams.map((d) => Buffer.from(d).toString());
    const sa = await openUdpSocket(a.hostIf, port, (ds) => heard.a!.push(...text(ds)));
    const sb = await openUdpSocket(b.hostIf, port, (ds) => heard.b!.push(...text(ds)));
    try {
      await broadcastFrom(a.ns, port, 'from-a');
      await broadcastFrom(b.ns, port, 'from-b');
      await expect.poll(() => heard.a!.length + heard.b!.length, { timeout: 3000 }).toBe(2);
      expect(heard).toStrictEqual({ a: ['from-a'], b: ['from-b'] });
    } finally {
      await sa.close();
      await sb.close();
    }
  });

  test('a broadcast sent on a bound socket leaves through its interface', async () => {
    await using a = await createTestLink({ hostAddress: '198.18.252.1/24' });
    await a.exec('ip', ['addr', 'add', '198.18.252.2/24', 'dev', a.clientIf]);
    const listener = a.spawn(process.execPath, [
      '-e',
      "const s=require('dgram').createSocket({type:'udp4',reuseAddr:true});s.on('message',m=>{console.log(m.toString());process.exit(0)});s.bind(16868,()=>console.log('ready'))",
    ]);
    let out = '';
    listener.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
    await expect.poll(() => out, { timeout: 5000 }).toContain('ready');
    const socket = await openUdpSocket(a.hostIf, 16767, () => {});
    try {
      await socket.send(Buffer.from('hello-client'), 16868, '255.255.255.255');
      await expect.poll(() => out, { timeout: 3000 }).toContain('hello-client');
    } finally {
      await socket.close();
    }
  });

  test('sockets opened inside two namespaces, on interfaces of the same name and address, each hear only their own namespace\'s broadcasts', async () => {
    // Two tenants' qdhcp namespaces, as the agent makes them for segments with overlapping CIDRs (issue 18).
    await using a = await createTestLink();
    await using b = await createTestLink();
    const namespaces: string[] = [];
    const heard: Record<string, string[]> = { a: [], b: [] };
    const sockets: Awaited<ReturnType<typeof openUdpSocket>>[] = [];
    const port = 16969;
    try {
      for (const [key, link] of [['a', a], ['b', b]] as const) {
        const ns = `lhq-${link.hostIf}`;
        await run('ip', ['netns', 'add', ns]);
        namespaces.push(ns);
        await run('ip', ['link', 'set', link.hostIf, 'netns', ns, 'name', 'lhsame0']);
        await run('ip', ['-n', ns, 'addr', 'add', '198.18.253.1/24', 'dev', 'lhsame0']);
        await run('ip', ['-n', ns, 'link', 'set', 'lhsame0', 'up']);
        await link.exec('ip', ['addr', 'add', '198.18.253.2/24', 'dev', link.clientIf]);
        await link.exec('ip', ['route', 'add', '255.255.255.255', 'dev', link.clientIf]);
        sockets.push(await openUdpSocket('lhsame0', port, (ds) => heard[key]!.push(...ds.map((d) => Buffer.from(d).toString())), undefined, ns));
      }
      await broadcastFrom(a.ns, port, 'from-a');
      await broadcastFrom(b.ns, port, 'from-b');
      await expect.poll(() => heard.a!.length + heard.b!.length, { timeout: 3000 }).toBe(2);
      expect(heard).toStrictEqual({ a: ['from-a'], b: ['from-b'] });
      // The agent's own namespace was left as it was: no lhsame0 here.
      await expect(run('ip', ['link', 'show', 'lhsame0'])).rejects.toThrow();
      await expect(openUdpSocket('lhnone0', port, () => {}, undefined, namespaces[0])).rejects.toThrow(/No such device/);
    } finally {
      for (const socket of sockets) await socket.close();
      for (const ns of namespaces) await run('ip', ['netns', 'del', ns]).catch(() => {});
    }
  });

  test('datagrams that waited in the kernel are read in batches of at most 64 at one wakeup, with one receive stamp; one longer than a slot arrives empty', async () => {
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    const port = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const batches: { sizes: number[]; at: number }[] = [];
    let ticks = 0;
    const socket = await openUdpSocket('lo', port, (datagrams, at) => batches.push({ sizes: datagrams.map((d) => d.length), at }), () => ++ticks);
    try {
      expect(socket.batched).toBe(true);
      // Sent by another process while this one is blocked in execFileSync: all 201 wait in the kernel's queue.
      const script = `const s=require('dgram').createSocket('udp4');let n=0;const next=()=>{if(n===201)return s.close();const size=n===200?3000:100;n++;s.send(Buffer.alloc(size,1),${port},'127.0.0.1',next)};next()`;
      execFileSync(process.execPath, ['-e', script]);
      await expect.poll(() => batches.reduce((sum, b) => sum + b.sizes.length, 0), { timeout: 3000 }).toBe(201);
      expect(batches.every((b) => b.sizes.length <= 64)).toBe(true);
      expect(new Set(batches.map((b) => b.at)).size).toBe(1);
      expect(batches.flatMap((b) => b.sizes).filter((n) => n !== 100)).toStrictEqual([0]);
    } finally {
      await socket.close();
    }
  });
});
