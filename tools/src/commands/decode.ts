/**
 * `leasehold decode dhcp|dhcp6|dns <input...>`: the debugging door for the protocol
 * codecs. Each input is hex text, a file of hex, a raw datagram file or a
 * classic pcap (told apart by its magic number). Every message becomes one JSON
 * object on stdout; every message that does not decode becomes one JSON object
 * with the typed error on stderr, and decoding goes on with the next.
 */
import { readFileSync, statSync } from 'node:fs';
import { Argument, Command, InvalidArgumentError } from 'commander';
import { DecodeError, decodeDhcp, decodeDhcp6, decodeDns, readPcap, type PcapRecord, type PcapTimestamp } from '@leasehold/protocol';
import { dhcp6Json } from './decode-dhcp6-json.js';
import { dhcpJson, dnsJson, hex } from './decode-json.js';

export type DecodeFormat = 'dhcp' | 'dhcp6' | 'dns';

export const EXIT_OK = 0;
/** At least one message (or a whole pcap file) did not decode. */
export const EXIT_DECODE_FAILED = 1;
/** A bad argument: unknown format, an input that is neither a file nor hex. */
export const EXIT_USAGE = 2;

/** An argument the command cannot use; `leasehold` exits 2. */
export class DecodeUsageError extends Error {
  override name = 'DecodeUsageError';
}

export interface DecodeOptions {
  readonly pretty?: boolean;
  /** Ports whose payloads are decoded from a pcap; default 67 and 68 for dhcp, 546 and 547 for dhcp6, 53 for dns (UDP, and TCP reassembled). */
  readonly ports?: readonly number[];
}

/** Where the command writes; one call per JSON object (newline included). */
export interface DecodeOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The default pcap ports of each format: DHCP servers and clients (RFC 2131 4.1), DHCPv6 (RFC 8415 7.2), DNS (RFC 1035 4.2). */
export const DEFAULT_PORTS: Readonly<Record<DecodeFormat, readonly number[]>> = { dhcp: [67, 68], dhcp6: [546, 547], dns: [53] };

/**
 * The bytes of hex text: digits in either case, optionally one leading `0x`,
 * with whitespace, `:`, `-` and `.` between them ignored. Undefined when
 * anything else is present, the digit count is odd, or there are none. Pure.
 */
export function parseHex(text: string): Uint8Array | undefined {
  const digits = text.trim().replace(/^0x/i, '').replace(/[\s:.-]+/g, '');
  if (digits.length === 0 || digits.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(digits)) return undefined;
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

// Classic pcap in both byte orders, µs and ns; pcapng is recognised only so
// that readPcap can say it is not supported instead of it being read as a datagram.
const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a]);

/** True when `bytes` start with a pcap (or pcapng) magic number. Pure. */
export function isPcap(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  return PCAP_MAGICS.has(((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0);
}

/** One command-line input, read: a capture to split, or one datagram. */
export type DecodeInput =
  | { readonly kind: 'pcap'; readonly source: string; readonly bytes: Uint8Array }
  | { readonly kind: 'datagram'; readonly source: string; readonly bytes: Uint8Array };

/**
 * Reads one argument: `-` is stdin, an existing file is read and judged by its
 * content (pcap magic, then hex text, else raw bytes), anything else must be
 * hex. Throws DecodeUsageError when it is neither a file nor hex.
 */
export function readInput(arg: string, readFile: (path: string | number) => Uint8Array = readFileSync): DecodeInput {
  let bytes: Uint8Array | undefined;
  if (arg === '-') bytes = readFile(0);
  else if (isFile(arg)) bytes = readFile(arg);
  if (bytes === undefined) {
    const parsed = parseHex(arg);
    if (parsed === undefined) {
      throw new DecodeUsageError(`${JSON.stringify(arg)} is neither a readable file nor hex bytes`);
    }
    return { kind: 'datagram', source: 'hex', bytes: parsed };
  }
  const source = arg === '-' ? 'stdin' : arg;
  if (isPcap(bytes)) return { kind: 'pcap', source, bytes };
  // A hex file is text; a raw datagram (a DHCP header starts with op 1 or 2) is not.
  const text = bytes.length <= 1 << 20 ? parseHex(Buffer.from(bytes).toString('latin1')) : undefined;
  return { kind: 'datagram', source, bytes: text ?? bytes };
}

function isFile(path: string): boolean {
  try {
    // A FIFO too, so that `<(xxd -p file)` works.
    const stat = statSync(path);
    return stat.isFile() || stat.isFIFO();
  } catch {
    return false;
  }
}

/** A datagram to decode and what to print beside it. */
interface Datagram {
  readonly meta: Record<string, unknown>;
  readonly bytes: Uint8Array;
}

/** The payloads of a capture that belong to `format`, with their frame, time and 5-tuple. Pure; throws PcapDecodeError. */
export function pcapDatagrams(format: DecodeFormat, source: string, bytes: Uint8Array, ports: readonly number[]): Datagram[] {
  const wanted = new Set(ports);
  // DHCP never travels over TCP; DNS does, length-prefixed (RFC 1035 4.2.2), and readPcap reassembles it.
  const records = readPcap(bytes, { dnsTcpPorts: format === 'dns' ? ports : [] });
  return records
    .filter((r) => (wanted.has(r.sport) || wanted.has(r.dport)) && (format === 'dns' || r.proto === 'udp'))
    .map((r) => ({ meta: pcapMeta(source, r), bytes: r.payload }));
}

function pcapMeta(source: string, r: PcapRecord): Record<string, unknown> {
  return { source, frame: r.frame, time: formatTimestamp(r.ts), proto: r.proto, src: r.src, sport: r.sport, dst: r.dst, dport: r.dport };
}

/** RFC 3339 UTC with all nine fraction digits, so ns captures keep their precision. Pure. */
export function formatTimestamp(ts: PcapTimestamp): string {
  const iso = new Date(ts.seconds * 1000).toISOString();
  return `${iso.slice(0, 19)}.${String(ts.nanos).padStart(9, '0')}Z`;
}

/** A decoded message as plain JSON data. Pure; throws what the codec throws (a DecodeError on bad bytes). */
export function decodeToJson(format: DecodeFormat, bytes: Uint8Array): unknown {
  if (format === 'dhcp') return dhcpJson(decodeDhcp(bytes));
  return format === 'dhcp6' ? dhcp6Json(decodeDhcp6(bytes)) : dnsJson(decodeDns(bytes));
}

/** A decode error as JSON: its class name, format, reason and offset first, then its own fields (kind, code). Pure. */
export function errorJson(error: DecodeError): Record<string, unknown> {
  const { name, format, reason, offset, ...rest } = error as DecodeError & Record<string, unknown>;
  const extra = Object.fromEntries(Object.entries(rest).filter(([key]) => key !== 'stack' && key !== 'message'));
  return { name, format, reason, offset, ...extra };
}

/**
 * Decodes every input and writes one JSON object per message to `out`.
 * Returns the exit status: 0, 1 if anything failed to decode, 2 (writing
 * nothing) if an input cannot be used. Errors other than DecodeError are bugs
 * and propagate.
 */
export function runDecode(
  format: DecodeFormat,
  args: readonly string[],
  options: DecodeOptions,
  out: DecodeOutput,
  readFile?: (path: string | number) => Uint8Array,
): number {
  const show = (value: unknown) => `${JSON.stringify(value, undefined, options.pretty ? 2 : undefined)}\n`;
  let inputs: DecodeInput[];
  try {
    // All inputs are read first, so a typo in the last one costs no half-printed output.
    inputs = args.map((arg) => readInput(arg, readFile));
  } catch (error) {
    if (!(error instanceof DecodeUsageError)) throw error;
    out.stderr(`leasehold decode: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const ports = options.ports !== undefined && options.ports.length > 0 ? options.ports : DEFAULT_PORTS[format];
  let failed = false;
  for (const input of inputs) {
    let datagrams: Datagram[];
    if (input.kind === 'pcap') {
      try {
        datagrams = pcapDatagrams(format, input.source, input.bytes, ports);
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        out.stderr(show({ source: input.source, error: errorJson(error) }));
        failed = true;
        continue;
      }
    } else {
      datagrams = [{ meta: { source: input.source }, bytes: input.bytes }];
    }
    for (const { meta, bytes } of datagrams) {
      try {
        out.stdout(show({ ...meta, length: bytes.length, message: decodeToJson(format, bytes) }));
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        out.stderr(show({ ...meta, length: bytes.length, bytes: hex(bytes), error: errorJson(error) }));
        failed = true;
      }
    }
  }
  return failed ? EXIT_DECODE_FAILED : EXIT_OK;
}

function portNumber(value: string, previous: number[] = []): number[] {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('not a port number (0-65535)');
  return [...previous, port];
}

/** The `decode` command. A usage mistake exits 2. */
export function decodeCommand(): Command {
  return new Command('decode')
    .description('print DHCPv4, DHCPv6 or DNS messages as JSON, one object per line (decode errors go to stderr)')
    .addArgument(new Argument('<format>', 'the codec').choices(['dhcp', 'dhcp6', 'dns']))
    .argument('<input...>', 'hex bytes (spaces and colons allowed), a file of hex, a raw datagram file, a classic pcap file, or - for stdin')
    .option('--pretty', 'indent each JSON object')
    .option('--port <port>', 'decode pcap payloads on this port instead of the defaults (67/68 for dhcp, 546/547 for dhcp6, 53 for dns); repeatable', portNumber)
    .showHelpAfterError()
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
    .action((format: DecodeFormat, inputs: string[], opts: { pretty?: boolean; port?: number[] }) => {
      // `leasehold decode ... | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        process.exit(process.exitCode ?? EXIT_OK);
      });
      process.exitCode = runDecode(format, inputs, { pretty: opts.pretty, ports: opts.port }, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
      });
    });
}
