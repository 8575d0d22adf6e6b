/**
 * The proxies' listeners through the addon, inside a namespace made here
 * (root, ip netns): 169.254.169.254 on its loopback, the proxy on port 80
 * there bound to `lo`, and a real curl run in the namespace; Nova's
 * stand-in listens on this process's loopback, which the proxy reaches from
 * outside the namespace (only its listening socket is inside).
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { formatIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signInstanceId } from './identity.js';
import { MetadataProxies } from './listeners.js';
import { defaultMetadataOptions } from './options.js';

const run = promisify(execFile);
const NS = `lhq-md-${process.pid}`;
const lines: string[] = [];
const seen: IncomingHttpHeaders[] = [];
let nova: Server;
let proxies: MetadataProxies;

const curl = async (...args: string[]) => {
  const { stdout } = await run('ip', ['netns', 'exec', NS, 'curl', '-s', '-m', '10', '-w', '\n%{http_code}', ...args]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  const at = stdout.lastIndexOf('\n');
  return { body: stdout.slice(0, at), status: stdout.slice(at + 1) };
};

beforeAll(async () => {
  await run('ip', ['netns', 'add', NS]);
  await run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', NS, 'addr', 'add', '169.254.169.254/32', 'dev', 'lo']);
  nova = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(String(req.headers['x-instance-id']));
  });
  await new Promise<void>((resolve) => nova.listen(0, '127.0.0.1', resolve));
  proxies = new MetadataProxies({
    options: { ...defaultMetadataOptions, enableIsolatedMetadata: true, novaMetadataPort: (nova.address() as AddressInfo).port, metadataProxySharedSecret: 'ns-secret', maxHeaderBytes: 2048 },
    // Inside the namespace curl's source is 169.254.169.254 itself: that is the one port here.
    callerOf: (networkId, address) => (networkId === 'net-md' && typeof address === 'number' && formatIpv4(address) === '169.254.169.254' ? { instanceId: 'vm-ns', tenantId: 'project-ns', portId: 'p-ns' } : undefined),
    log: (line) => lines.push(line),
  });
});
afterAll(async () => {
  await proxies.closeAll();
  nova.closeAllConnections();
  await new Promise((r) => nova.close(r));
  await run('ip', ['netns', 'del', NS]).catch(() => {});
});

describe("the metadata proxies' listeners", () => {
  test('a proxy opened in a namespace on its interface answers curl there with what Nova gave, signed; closed, it answers nothing', async () => {
    await proxies.listenOn(new Map([['net-md', { ifname: 'lo', netns: NS }]]));
    expect(proxies.listening()).toStrictEqual(new Map([['net-md', { ifname: 'lo', netns: NS, v6: false }]]));
    expect(await curl('http://169.254.169.254/latest/meta-data/instance-id')).toStrictEqual({ body: 'vm-ns', status: '200' });
    expect(seen.at(-1)).toMatchObject({ 'x-instance-id': 'vm-ns', 'x-tenant-id': 'project-ns', 'x-forwarded-for': '169.254.169.254', 'x-instance-id-signature': signInstanceId('vm-ns', 'ns-secret') });
    // Another network asked for: the proxy of net-md is closed, the new one cannot listen (no such interface there) and says so.
    await proxies.listenOn(new Map([['net-other', { ifname: 'lhq-none0', netns: NS }]]));
    expect(proxies.listening()).toStrictEqual(new Map());
    expect(lines.at(-1)).toMatch(/^metadata: cannot listen on 169\.254\.169\.254:80 on lhq-none0 in lhq-md-\d+: open a TCP listener: No such device$/);
    expect((await curl('http://169.254.169.254/latest/meta-data/instance-id')).status).toBe('000');
  });

  test('Nova settings that make no URL do not stop the agent (the proxies are made for every agent): no proxy listens, and each attempt says why', async () => {
    const said: string[] = [];
    const broken = new MetadataProxies({ options: { ...defaultMetadataOptions, novaMetadataHost: 'not a host' }, callerOf: () => undefined, log: (line) => said.push(line) });
    await broken.listenOn(new Map([['net-md', { ifname: 'lo', netns: NS }]]));
    expect(broken.listening()).toStrictEqual(new Map());
    expect(said).toEqual([expect.stringMatching(/^metadata: cannot listen on 169\.254\.169\.254:80 on lo in lhq-md-\d+: nova_metadata_host "not a host" and its port make no URL/)]);
  });

  test('headers over the bound get 431, counted and logged', async () => {
    await proxies.listenOn(new Map([['net-md', { ifname: 'lo', netns: NS }]]));
    const before = proxies.stats.counts['too-large'];
    expect((await curl('-H', `X-Big: ${'b'.repeat(4096)}`, 'http://169.254.169.254/latest/meta-data/instance-id')).status).toBe('431');
    expect(proxies.stats.counts['too-large']).toBe(before + 1);
    expect(lines.at(-1)).toBe('metadata: headers over 2048 bytes from 169.254.169.254 on network net-md');
  });
});
