/**
 * Packet captures for end-to-end tests: tcpdump on one interface (optionally
 * inside a namespace), writing pcap to its stdout; `stop()` ends it and
 * hands back the UDP datagrams it saw, decoded with the protocol package's
 * pcap reader. Bounded: starting waits at most a few seconds for tcpdump to
 * listen, stopping kills it if SIGINT is not enough.
 */
import { spawn } from 'node:child_process';
import { readPcap, type PcapRecord } from '@leasehold/protocol';

export interface RunningCapture {
  /** Stops tcpdump and resolves with every UDP datagram captured, in order. */
  stop(): Promise<PcapRecord[]>;
}

export async function startCapture(ifname: string, filter: string, options: { ns?: string; timeoutMs?: number } = {}): Promise<RunningCapture> {
  // --immediate-mode: without it packets wait in the ring buffer for a block timeout, and a stop right after them loses them.
  const args = ['-i', ifname, '-n', '--immediate-mode', '-U', '-s', '2048', '-w', '-', filter];
  const child = options.ns ? spawn('ip', ['netns', 'exec', options.ns, 'tcpdump', ...args]) : spawn('tcpdump', args);
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  // 'close', not 'exit': the pcap bytes still in the pipe must be read first.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async (): Promise<PcapRecord[]> => {
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    const bytes = Buffer.concat(chunks);
    return bytes.length === 0 ? [] : readPcap(bytes).filter((r) => r.proto === 'udp');
  };
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  while (!/listening on/.test(stderr)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop().catch(() => []);
      throw new Error(`tcpdump did not start on ${ifname}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { stop };
}
