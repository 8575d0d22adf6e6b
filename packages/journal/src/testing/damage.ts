/**
 * Damaging a stopped server's store on disk, the way two servers writing one
 * store did (issue 14): one stored message whose bytes no longer match its
 * checksum. nats-server 2.9 starts on such a store, counts the message, and
 * never delivers it, so a replay that waits for it would wait for ever.
 *
 * The message block format is nats-server's filestore (2.9): records of
 * `length(4, LE, high bit = has headers) seq(8, LE, high bit = erased) ts(8)
 * subject length(2) subject [headers length(4) headers] payload checksum(8)`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HEADERS_BIT = 0x80000000;
const ERASED_BIT = 1n << 63n;

/** Flips the last payload byte of stored message `seq` (default: the stream's last) of a stopped server's store; returns its sequence. */
export function damageStoredMessage(storeDir: string, options: { stream?: string; seq?: number } = {}): number {
  const dir = join(storeDir, 'jetstream', '$G', 'streams', options.stream ?? 'LH_EVENTS', 'msgs');
  const blocks = readdirSync(dir)
    .filter((f) => /^\d+\.blk$/.test(f))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  let last: { file: string; buf: Buffer; end: number; seq: number } | undefined;
  for (const name of blocks) {
    const file = join(dir, name);
    const buf = readFileSync(file);
    for (let at = 0; at + 22 <= buf.length; ) {
      const length = buf.readUInt32LE(at) & ~HEADERS_BIT;
      if (length < 22 || at + length > buf.length) break;
      const seq = Number(buf.readBigUInt64LE(at + 4) & ~ERASED_BIT);
      const record = { file, buf, end: at + length, seq };
      if (seq === options.seq) return flip(record);
      last = record;
      at += length;
    }
  }
  if (options.seq !== undefined || !last) throw new Error(`no stored message ${options.seq ?? ''} in ${dir}`);
  return flip(last);
}

function flip(record: { file: string; buf: Buffer; end: number; seq: number }): number {
  // The byte before the 8-byte checksum: the payload's last.
  record.buf[record.end - 9] = record.buf[record.end - 9]! ^ 0xff;
  writeFileSync(record.file, record.buf);
  return record.seq;
}
