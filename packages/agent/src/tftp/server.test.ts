/**
 * The TFTP server over loopback with a small client written here, so each
 * refusal, option and loss can be played exactly: downloads byte for byte
 * with and without options, netascii, block numbers wrapping past 65535, writes,
 * traversal, symlinks out of the root, unreadable and missing files, the
 * transfer bound, retransmission with backoff, strangers on a transfer's
 * port and garbage at the listener.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTftp, encodeTftp, type TftpOption, type TftpPacket } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { netasciiEncode } from './netascii.js';
import { TftpLog } from './refusal-log.js';
import { TftpServer, type TftpServerOptions } from './server.js';
import { openTftpSocket, type TftpSocket } from './socket.js';

let root: string;
let outside: string;
const small = randomBytes(3000);
const exact = randomBytes(512 * 3);
const big = randomBytes(200_000);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'lh-tftp-root-'));
  outside = mkdtempSync(join(tmpdir(), 'lh-tftp-outside-'));
  mkdirSync(join(root, 'boot'));
  writeFileSync(join(root, 'boot', 'small.bin'), small);
  writeFileSync(join(root, 'exact.bin'), exact);
  writeFileSync(join(root, 'big.bin'), big);
  writeFileSync(join(outside, 'secret'), 'not for clients');
  symlinkSync(join(outside, 'secret'), join(root, 'escape'));
  symlinkSync(outside, join(root, 'escape-dir'));
  symlinkSync('boot/small.bin', join(root, 'alias.bin'));
  writeFileSync(join(root, 'private.bin'), 'mode 600');
  chmodSync(join(root, 'private.bin'), 0o600);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** A server on 127.0.0.1 (a kernel-chosen port) serving `root`, and its log lines. */
async function startServer(options: Partial<TftpServerOptions> = {}) {
  const lines: string[] = [];
  const server = new TftpServer({ maxTransfers: 10, timeoutMs: 200, retries: 5, log: new TftpLog((l) => lines.push(l), 1000), ...options });
  const endpoint = { address: '127.0.0.1' };
  let listener: TftpSocket | undefined;
  listener = await openTftpSocket(endpoint, 0, (data, from) => void server.request({ listener: listener!, endpoint, root }, data, from));
  return { server, port: listener.port, lines, [Symbol.dispose]: () => (server.stop(), listener!.close()) };
}

interface GetOptions {
  readonly options?: readonly TftpOption[];
  readonly mode?: string;
  /** Pretend this DATA was lost (not taken, not acknowledged): block counted from 1 without wrap, and how often it came before. */
  readonly lose?: (block: number, seenBefore: number) => boolean;
  /** Stop acknowledging after this many blocks (the transfer then times out). */
  readonly stopAfter?: number;
  /** Answer this block with an ERROR instead of an ACK. */
  readonly abortAt?: number;
  /** Told of each DATA taken, with the server's transfer port. */
  readonly onData?: (block: number, serverPort: number) => void;
  readonly request?: TftpPacket;
}

interface GetResult {
  data: Buffer;
  oack?: readonly TftpOption[];
  error?: { code: number; message: string };
  /** Wire block numbers of the DATA taken, in order. */
  wireBlocks: number[];
  /** How many times each block (counted from 1) arrived. */
  arrivals: Map<number, number>;
  /** The server's transfer port. */
  serverPort?: number;
}

/** A minimal TFTP client (RFC 1350, 2347, 2348, 7440): reads one file from 127.0.0.1:port. */
async function get(port: number, filename: string, opts: GetOptions = {}): Promise<GetResult> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const queue: { packet: TftpPacket; port: number }[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (msg, rinfo) => {
    queue.push({ packet: decodeTftp(msg), port: rinfo.port });
    wake?.();
  });
  const next = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (queue.length === 0) {
      if (Date.now() > deadline) return undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return queue.shift();
  };
  const send = (p: TftpPacket, to: number) => new Promise<void>((resolve) => socket.send(encodeTftp(p), to, '127.0.0.1', () => resolve()));
  const result: GetResult = { data: Buffer.alloc(0), wireBlocks: [], arrivals: new Map() };
  const chunks: Buffer[] = [];
  let blockSize = 512;
  let window = 1;
  let expected = 1;
  let lastAcked = 0;
  await send(opts.request ?? { op: 'rrq', filename, mode: opts.mode ?? 'octet', options: opts.options ?? [] }, port);
  try {
    for (;;) {
      const got = await next(10_000);
      if (!got) throw new Error(`no packet from the server after block ${expected - 1}`);
      const { packet } = got;
      result.serverPort ??= got.port;
      if (packet.op === 'error') {
        result.error = { code: packet.code, message: packet.message };
        break;
      }
      if (packet.op === 'oack') {
        result.oack = packet.options;
        for (const [name, value] of packet.options) {
          if (name === 'blksize') blockSize = Number(value);
          if (name === 'windowsize') window = Number(value);
        }
        await send({ op: 'ack', block: 0 }, got.port);
        continue;
      }
      if (packet.op !== 'data' || packet.block !== (expected & 0xffff)) continue;
      const seen = result.arrivals.get(expected) ?? 0;
      result.arrivals.set(expected, seen + 1);
      if (opts.lose?.(expected, seen)) continue;
      result.wireBlocks.push(packet.block);
      chunks.push(Buffer.from(packet.data));
      opts.onData?.(expected, got.port);
      if (opts.abortAt === expected) {
        await send({ op: 'error', code: 0, message: 'changed my mind' }, got.port);
        break;
      }
      const last = packet.data.length < blockSize;
      if (opts.stopAfter !== undefined && expected >= opts.stopAfter) {
        // Keep counting what the server sends again, acknowledging nothing.
        for (;;) {
          const again = await next(3000);
          if (!again) break;
          if (again.packet.op === 'data') result.arrivals.set(expected, (result.arrivals.get(expected) ?? 0) + 1);
          if (again.packet.op === 'error') break;
        }
        break;
      }
      if (last || expected - lastAcked >= window) {
        await send({ op: 'ack', block: expected & 0xffff }, got.port);
        lastAcked = expected;
      }
      expected++;
      if (last) break;
    }
  } finally {
    socket.close();
  }
  result.data = Buffer.concat(chunks);
  return result;
}

describe('the TFTP server', () => {
  test('a file is read byte for byte in 512-byte blocks without options, and one of a multiple of 512 ends with an empty block', async () => {
    using s = await startServer();
    const plain = await get(s.port, 'boot/small.bin');
    expect(plain.oack).toBeUndefined();
    expect(plain.data.equals(small)).toBe(true);
    expect(plain.serverPort).not.toBe(s.port); // a port of its own per transfer (RFC 1350 §4)
    const multiple = await get(s.port, '/exact.bin');
    expect(multiple.data.equals(exact)).toBe(true);
    expect(multiple.wireBlocks).toEqual([1, 2, 3, 4]);
    await expect.poll(() => s.server.stats.transfers.completed).toBe(2);
    expect(s.lines.some((l) => l.includes('sent') && l.includes('exact.bin'))).toBe(true);
  });

  test('blksize, tsize, timeout and windowsize are answered in an OACK and used', async () => {
    using s = await startServer();
    const r = await get(s.port, 'big.bin', { options: [['blksize', '1428'], ['tsize', '0'], ['timeout', '3'], ['windowsize', '8']] });
    expect(r.oack).toEqual([['blksize', '1428'], ['tsize', String(big.length)], ['timeout', '3'], ['windowsize', '8']]);
    expect(r.data.equals(big)).toBe(true);
    expect(r.wireBlocks).toHaveLength(Math.floor(big.length / 1428) + 1);
  });

  test('netascii sends the file with CR LF line ends and CR NUL for a bare CR, windows resent from a block split mid-pair, and answers no tsize (its size is known only at the end)', async () => {
    using s = await startServer();
    const lines = Buffer.from('first line\nsecond\r\nbare\rcarriage\n\n'.repeat(40));
    writeFileSync(join(root, 'lines.txt'), lines);
    // blksize 8 puts pairs across block boundaries; losing blocks 5 and 9 once makes windows go back to them.
    const r = await get(s.port, 'lines.txt', { mode: 'NetASCII', options: [['blksize', '8'], ['tsize', '0'], ['windowsize', '4']], lose: (block, seen) => (block === 5 || block === 9) && seen === 0 });
    expect(r.oack).toEqual([['blksize', '8'], ['windowsize', '4']]);
    expect(r.data).toEqual(Buffer.from(netasciiEncode(lines)));
    expect(s.server.stats.retransmits).toBeGreaterThan(0);
    await expect.poll(() => s.lines.some((l) => l.includes('lines.txt') && l.includes('as netascii'))).toBe(true);
  });

  test('a blksize above the server limit is answered with the limit, one out of 8..65464 is ignored', async () => {
    using s = await startServer({ maxBlockSize: 1024 });
    const capped = await get(s.port, 'boot/small.bin', { options: [['blksize', '65464']] });
    expect(capped.oack).toEqual([['blksize', '1024']]);
    expect(capped.data.equals(small)).toBe(true);
    const ignored = await get(s.port, 'boot/small.bin', { options: [['blksize', '4'], ['tsize', '0']] });
    expect(ignored.oack).toEqual([['tsize', '3000']]);
    expect(ignored.data.equals(small)).toBe(true);
  });

  test('block numbers wrap from 65535 to 0 and the file still arrives whole', async () => {
    const name = 'wrap.bin';
    const content = randomBytes(8 * 65_536 + 100);
    writeFileSync(join(root, name), content);
    using s = await startServer();
    const r = await get(s.port, name, { options: [['blksize', '8'], ['windowsize', '512']] });
    expect(r.data.equals(content)).toBe(true);
    expect(r.wireBlocks[65_534]).toBe(65_535);
    expect(r.wireBlocks[65_535]).toBe(0);
    expect(r.wireBlocks).toHaveLength(65_549);
    expect(r.wireBlocks.at(-1)).toBe(65_549 - 65_536);
  }, 60_000);

  test('a write request is refused with error 2 and counted', async () => {
    using s = await startServer();
    const r = await get(s.port, 'new.bin', { request: { op: 'wrq', filename: 'new.bin', mode: 'octet', options: [] } });
    expect(r.error?.code).toBe(2);
    expect(r.error?.message).toMatch(/read-only/);
    expect(s.server.stats.refused.write).toBe(1);
    expect(s.lines.some((l) => l.includes('refused WRQ'))).toBe(true);
  });

  test('names that climb out of the root are refused with error 2; an absolute name is read inside the root', async () => {
    using s = await startServer();
    for (const name of ['../etc/passwd', 'boot/../../etc/passwd', '..\\etc\\passwd']) {
      const r = await get(s.port, name);
      expect(r.error?.code, name).toBe(2);
    }
    expect(s.server.stats.refused.traversal).toBe(3);
    const absolute = await get(s.port, '/etc/passwd');
    expect(absolute.error?.code).toBe(1); // <root>/etc/passwd: no such file
    expect((await get(s.port, '/boot/small.bin')).data.equals(small)).toBe(true);
  });

  test('a symlink that resolves outside the root is refused, one inside it is followed', async () => {
    using s = await startServer();
    expect((await get(s.port, 'escape')).error?.code).toBe(2);
    expect((await get(s.port, 'escape-dir/secret')).error?.code).toBe(2);
    expect(s.server.stats.refused['outside-root']).toBe(2);
    expect((await get(s.port, 'alias.bin')).data.equals(small)).toBe(true);
  });

  test('a missing file is error 1, a directory and a file not readable by everyone are error 2, each counted with a clear line', async () => {
    using s = await startServer();
    const missing = await get(s.port, 'nope.bin');
    expect(missing.error).toEqual({ code: 1, message: 'file not found: "nope.bin"' });
    expect((await get(s.port, 'boot')).error?.code).toBe(2);
    const privateFile = await get(s.port, 'private.bin');
    expect(privateFile.error?.code).toBe(2);
    expect(privateFile.error?.message).toMatch(/not readable by everyone/);
    expect(s.server.stats.refused).toMatchObject({ 'not-found': 1, 'not-a-file': 1, unreadable: 1 });
    expect(s.lines.filter((l) => l.startsWith('tftp: refused RRQ'))).toHaveLength(3);
    expect((await get(s.port, 'x', { mode: 'mail' })).error?.code).toBe(4);
  });

  test('past max transfers a request is refused as busy, and served again once a transfer ends', async () => {
    using s = await startServer({ maxTransfers: 1, timeoutMs: 100, retries: 2 });
    const held = get(s.port, 'big.bin', { stopAfter: 1 });
    await expect.poll(() => s.server.stats.active).toBe(1);
    const refused = await get(s.port, 'boot/small.bin');
    expect(refused.error?.code).toBe(0);
    expect(refused.error?.message).toMatch(/busy/);
    expect(s.server.stats.refused.busy).toBe(1);
    await held;
    await expect.poll(() => s.server.stats.active, { timeout: 10_000 }).toBe(0);
    expect((await get(s.port, 'boot/small.bin')).data.equals(small)).toBe(true);
  });

  test('a lost block is sent again after the timeout and the transfer completes', async () => {
    using s = await startServer({ timeoutMs: 50 });
    const r = await get(s.port, 'boot/small.bin', { lose: (block, seenBefore) => block === 3 && seenBefore < 2 });
    expect(r.data.equals(small)).toBe(true);
    expect(r.arrivals.get(3)).toBe(3);
    expect(s.server.stats.retransmits).toBeGreaterThanOrEqual(2);
  });

  test('a client that stops acknowledging gets the block 1 + retries times, then the transfer ends as a timeout', async () => {
    using s = await startServer({ timeoutMs: 30, retries: 3 });
    const r = await get(s.port, 'boot/small.bin', { stopAfter: 1 });
    expect(r.arrivals.get(1)).toBe(4);
    await expect.poll(() => s.server.stats.transfers.timeout).toBe(1);
    expect(s.lines.some((l) => l.includes('ended: timeout'))).toBe(true);
  });

  test('a datagram from a stranger on a transfer port gets error 5 and leaves the transfer alone; a client error ends it', async () => {
    using s = await startServer({ timeoutMs: 300 });
    const stranger: Socket = createSocket('udp4');
    await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', resolve));
    const answers: TftpPacket[] = [];
    stranger.on('message', (m) => answers.push(decodeTftp(m)));
    const r = await get(s.port, 'big.bin', {
      onData: (block, transferPort) => {
        if (block === 2) stranger.send(encodeTftp({ op: 'ack', block: 2 }), transferPort, '127.0.0.1');
      },
    });
    expect(r.data.equals(big)).toBe(true);
    await expect.poll(() => answers.length).toBe(1);
    expect(answers[0]).toMatchObject({ op: 'error', code: 5 });
    expect(s.server.stats.dropped['unknown-tid']).toBe(1);
    stranger.close();
    await expect.poll(() => s.server.stats.transfers.completed).toBe(1);
    const aborted = await get(s.port, 'big.bin', { abortAt: 3 });
    expect(aborted.wireBlocks).toEqual([1, 2, 3]);
    await expect.poll(() => s.server.stats.transfers.aborted).toBe(1);
    expect(s.server.stats.active).toBe(0);
  });

  test('garbage at the listener is dropped unanswered and counted', async () => {
    using s = await startServer();
    const socket = createSocket('udp4');
    const answers: Buffer[] = [];
    socket.on('message', (m) => answers.push(m));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    for (const junk of [[0], [0, 9, 1], [0, 1, 0x61]]) socket.send(Buffer.from(junk), s.port, '127.0.0.1');
    await expect.poll(() => s.server.stats.dropped.malformed).toBe(3);
    expect((await get(s.port, 'boot/small.bin')).data.equals(small)).toBe(true);
    expect(answers).toHaveLength(0);
    socket.close();
  });
});
