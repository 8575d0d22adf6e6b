/**
 * The TFTP server's request path: a datagram on a listening socket (port 69
 * of a served address) becomes a refusal (an ERROR from that socket) or a
 * transfer on a socket of its own. Read-only: a write request is refused
 * with error 2, as are names that climb out of the root (files.ts). At most
 * `maxTransfers` transfers run at once (dnsmasq's tftp-max); a request past
 * them is refused with error 0 and counted `busy`. Every refusal, drop and
 * failed transfer is counted (stats.ts) and logged, rate limited
 * (refusal-log.ts).
 */
import { decodeTftp, encodeTftp, negotiateTftpOptions, TftpErrorCode, TFTP_MAX_BLOCK_SIZE } from '@leasehold/protocol';
import { openServedFile, TftpRefusal, type ServedFile } from './files.js';
import type { TftpLog } from './refusal-log.js';
import { openTftpSocket, type TftpEndpoint, type TftpSocket } from './socket.js';
import { TftpStats } from './stats.js';
import { TftpTransfer } from './transfer.js';

export interface TftpServerOptions {
  /** Transfers at once at most (dnsmasq's tftp-max, 50). */
  readonly maxTransfers: number;
  /** The largest block offered (a larger blksize is answered with it): 8..65464. */
  readonly maxBlockSize?: number;
  /** First wait for an ACK without the client's timeout option, doubled at each retry. */
  readonly timeoutMs: number;
  /** Retransmissions of a window before the transfer is given up. */
  readonly retries: number;
  readonly log: TftpLog;
}

/** Where a request arrived: the listening socket, its endpoint (transfers open theirs there), the root it serves. */
export interface TftpArrival {
  readonly listener: TftpSocket;
  readonly endpoint: TftpEndpoint;
  readonly root: string;
}

export class TftpServer {
  readonly stats = new TftpStats();
  readonly #transfers = new Set<TftpTransfer>();
  /** Requests counted against maxTransfers before their transfer exists (the file is being opened). */
  #starting = 0;

  constructor(private readonly options: TftpServerOptions) {}

  /** Handles one datagram heard on a listening socket. Never throws: every end is counted. */
  async request(arrival: TftpArrival, data: Uint8Array, from: { address: string; port: number }): Promise<void> {
    const { stats } = this;
    const { log } = this.options;
    const client = `${from.address}:${from.port}`;
    let packet;
    try {
      packet = decodeTftp(data);
    } catch (error) {
      // Not answered: an ERROR to every garbage datagram would make the agent a reflector.
      stats.dropped.malformed++;
      log.line(`dropped a malformed datagram from ${client}: ${(error as Error).message}`);
      return;
    }
    if (packet.op === 'wrq') {
      stats.refused.write++;
      log.line(`refused WRQ ${JSON.stringify(packet.filename)} from ${client}: this server is read-only`);
      return this.#refuse(arrival.listener, from, TftpErrorCode.AccessViolation, 'access violation: this server is read-only');
    }
    if (packet.op !== 'rrq') {
      stats.dropped.unexpected++;
      return;
    }
    stats.requests++;
    const name = JSON.stringify(packet.filename);
    const mode = packet.mode.toLowerCase();
    if (mode !== 'octet' && mode !== 'netascii') {
      stats.refused['bad-request']++;
      log.line(`refused RRQ ${name} from ${client}: mode ${JSON.stringify(packet.mode)}`);
      return this.#refuse(arrival.listener, from, TftpErrorCode.IllegalOperation, `mode ${packet.mode} is not served (octet or netascii)`);
    }
    const running = this.#transfers.size + this.#starting;
    if (running >= this.options.maxTransfers) {
      stats.refused.busy++;
      log.line(`refused RRQ ${name} from ${client}: ${running} transfers under way (max_transfers)`);
      return this.#refuse(arrival.listener, from, TftpErrorCode.NotDefined, 'server busy: too many transfers, try again later');
    }
    this.#starting++;
    let file: ServedFile | undefined;
    let socket: TftpSocket | undefined;
    try {
      file = await openServedFile(arrival.root, packet.filename);
      let transfer: TftpTransfer | undefined;
      socket = await openTftpSocket(arrival.endpoint, 0, (datagram, sender) => transfer?.handle(datagram, sender));
      // netascii's size on the wire is known only at its end: no tsize then, as tftp-hpa answers.
      const options = mode === 'netascii' ? packet.options.filter(([name]) => name.toLowerCase() !== 'tsize') : packet.options;
      const negotiated = negotiateTftpOptions(options, { fileSize: file.size, maxBlockSize: this.options.maxBlockSize ?? TFTP_MAX_BLOCK_SIZE });
      const path = file.path;
      const size = file.size;
      transfer = new TftpTransfer({
        socket,
        peer: from,
        file,
        negotiated,
        mode,
        timeoutMs: this.options.timeoutMs,
        retries: this.options.retries,
        stats,
        onEnd: (outcome, detail) => {
          this.#transfers.delete(transfer!);
          stats.active = this.#transfers.size;
          if (outcome === 'completed') log.line(`sent ${path} (${size} bytes${mode === 'netascii' ? ' as netascii' : ''}, blksize ${negotiated.blockSize}, windowsize ${negotiated.windowSize}) to ${client}`);
          else log.line(`transfer of ${path} to ${client} ended: ${outcome}${detail ? ` (${detail})` : ''}`);
        },
      });
      this.#transfers.add(transfer);
      stats.active = this.#transfers.size;
      transfer.start();
    } catch (error) {
      await file?.handle.close().catch(() => {});
      socket?.close();
      if (error instanceof TftpRefusal) {
        stats.refused[error.reason]++;
        log.line(`refused RRQ ${name} from ${client}: ${error.message}`);
        return this.#refuse(arrival.listener, from, error.code, error.message);
      }
      stats.transfers['send-error']++;
      log.line(`cannot start the transfer of ${name} to ${client}: ${(error as Error).message}`);
    } finally {
      this.#starting--;
    }
  }

  /** Ends every transfer (the agent stops). */
  stop(): void {
    for (const transfer of [...this.#transfers]) transfer.abort('server shutting down');
  }

  async #refuse(listener: TftpSocket, to: { address: string; port: number }, code: number, message: string): Promise<void> {
    try {
      await listener.send(encodeTftp({ op: 'error', code, message }), to.port, to.address);
    } catch {
      // A lost ERROR is the client's timeout; nothing more to count than the refusal.
    }
  }
}
