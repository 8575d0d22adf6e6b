/**
 * Which file a read request names, checked against the served root
 * (read-only, as dnsmasq's TFTP and tftpd-hpa's -s): the name is relative to
 * the root (a leading `/` too, as PXE clients send `/pxelinux.0`, and `\`
 * counts as `/` for Windows-born loaders); a `..` component is refused before
 * any file is touched; the resolved path (symlinks followed: realpath) must
 * still be inside the root's own realpath; and only a regular file that
 * everyone may read is served: the agent runs as root, where dnsmasq serves
 * as nobody, so a file the operator kept private in the root (mode without
 * o+r) is refused rather than handed to any client that names it. Each refusal is a `TftpRefusal` with the
 * TFTP error code the client gets and a message for it and the log.
 */
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { TftpErrorCode } from '@leasehold/protocol';

/** Why a request was refused: its counter's name (metrics label) and log word. */
export type TftpRefusalReason = 'write' | 'bad-request' | 'traversal' | 'outside-root' | 'not-found' | 'unreadable' | 'not-a-file' | 'busy';

/** A request the server will not serve: the ERROR packet's code and message. */
export class TftpRefusal extends Error {
  override name = 'TftpRefusal';
  constructor(
    readonly reason: TftpRefusalReason,
    readonly code: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface ServedFile {
  readonly handle: FileHandle;
  readonly size: number;
  /** The path opened (after symlinks), for the log. */
  readonly path: string;
}

/** Opens `filename` under `root` for reading, or throws a TftpRefusal. The caller closes the handle. */
export async function openServedFile(root: string, filename: string): Promise<ServedFile> {
  const parts = filename.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new TftpRefusal('bad-request', TftpErrorCode.FileNotFound, 'no file name');
  if (parts.includes('..')) throw new TftpRefusal('traversal', TftpErrorCode.AccessViolation, `access violation: ${JSON.stringify(filename)} climbs out of the root with ..`);
  let rootReal: string;
  try {
    rootReal = await realpath(root);
  } catch (error) {
    throw new TftpRefusal('not-found', TftpErrorCode.FileNotFound, 'file not found (the TFTP root is missing)', { cause: error });
  }
  let real: string;
  try {
    real = await realpath(join(rootReal, ...parts));
  } catch (error) {
    throw refusalOf(error, filename);
  }
  if (real !== rootReal && !real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep)) {
    throw new TftpRefusal('outside-root', TftpErrorCode.AccessViolation, `access violation: ${JSON.stringify(filename)} resolves outside the root`);
  }
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: the realpath just checked is what is opened, not a link swapped in since;
    // O_NONBLOCK: a FIFO in the root must not hang the open (it is then refused as not a file).
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw refusalOf(error, filename);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new TftpRefusal('not-a-file', TftpErrorCode.AccessViolation, `access violation: ${JSON.stringify(filename)} is not a regular file`);
    if ((stat.mode & 0o004) === 0) throw new TftpRefusal('unreadable', TftpErrorCode.AccessViolation, `access violation: ${JSON.stringify(filename)} is not readable by everyone`);
    return { handle, size: stat.size, path: real };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error instanceof TftpRefusal ? error : refusalOf(error, filename);
  }
}

/** A file system error as the client hears it: missing files are error 1, the rest access violations (error 2). */
function refusalOf(error: unknown, filename: string): TftpRefusal {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new TftpRefusal('not-found', TftpErrorCode.FileNotFound, `file not found: ${JSON.stringify(filename)}`, { cause: error });
  if (code === 'ELOOP') return new TftpRefusal('outside-root', TftpErrorCode.AccessViolation, `access violation: ${JSON.stringify(filename)} is a symbolic link loop`, { cause: error });
  return new TftpRefusal('unreadable', TftpErrorCode.AccessViolation, `access violation: ${JSON.stringify(filename)} cannot be read (${code ?? (error as Error).message})`, { cause: error });
}
