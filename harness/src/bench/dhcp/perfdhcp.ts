/**
 * perfdhcp (Kea's DHCP load generator, Debian's kea-admin package) as the
 * bench drives it: single-threaded (`-g single`: its multi-thread mode
 * starves a 2-core machine), a fixed initiation rate (`-r`), a bounded
 * period (`-p`), many simulated clients (`-R`). Given a unicast server
 * address it acts as a relay (giaddr = its own address, port 67), so the
 * servers select the subnet from giaddr and answer it by unicast. With
 * `family: 6` it runs `perfdhcp -6` as a client on the link: SOLICITs and
 * REQUESTs from its link-local address to ff02::1:2 out of `interface`
 * (bench:dhcp6 says why not as a relay), its report read the same way.
 */
import { execFile } from 'node:child_process';

export interface PerfdhcpRun {
  /** Exchanges initiated per second (`-r`). */
  readonly rate: number;
  /** Test period in seconds (`-p`). */
  readonly seconds: number;
  /** Distinct simulated clients (`-R`). */
  readonly clients: number;
  /** IPv4: the server's address. IPv6: `all` (ff02::1:2), or an address. */
  readonly server: string;
  /** 6 for `perfdhcp -6`; IPv4 when absent. */
  readonly family?: 6;
  /** IPv6: the local interface to send out of (`-l`). */
  readonly interface?: string;
}

/**
 * What perfdhcp's final report says about one run. The names are DHCPv4's;
 * a `perfdhcp -6` report fills them with its SOLICITs, ADVERTISEs, REQUESTs
 * and REPLYs (SARR exchanges).
 */
export interface PerfdhcpReport {
  /** Completed DORA (or SARR) exchanges per second over the test period (perfdhcp's "Rate"). */
  readonly doraPerSecond: number;
  readonly discoversSent: number;
  readonly offersReceived: number;
  readonly requestsSent: number;
  readonly acksReceived: number;
  /** Share of initiated exchanges that did not complete (no OFFER or no ACK), in percent. */
  readonly incompletePercent: number;
  readonly avgOfferMs: number | undefined;
  readonly avgAckMs: number | undefined;
  /** The slowest answer of each half; perfdhcp prints no delays for a half that got no answer. */
  readonly maxOfferMs: number | undefined;
  readonly maxAckMs: number | undefined;
}

export class PerfdhcpOutputError extends Error {
  override name = 'PerfdhcpOutputError';
}

/** The command line (without the namespace wrapper). Pure. */
export function perfdhcpArgs(run: PerfdhcpRun): string[] {
  const family = run.family === 6 ? ['-6', ...(run.interface ? ['-l', run.interface] : [])] : ['-4'];
  return [...family, '-g', 'single', '-r', String(run.rate), '-p', String(run.seconds), '-R', String(run.clients), run.server];
}

/** The report's two sections per family: the first exchange's, then the second's (perfdhcp's names). */
const SECTIONS = { 4: ['DISCOVER-OFFER', 'REQUEST-ACK'], 6: ['SOLICIT-ADVERTISE', 'REQUEST-REPLY'] } as const;

function section(text: string, name: string): string {
  const start = text.indexOf(`***Statistics for: ${name}***`);
  if (start < 0) throw new PerfdhcpOutputError(`perfdhcp's report has no "${name}" section`);
  const next = text.indexOf('***', start + name.length + 20);
  return text.slice(start, next < 0 ? undefined : next);
}

function number(text: string, label: string, where: string): number {
  const match = new RegExp(`^${label}:\\s*([0-9.]+)`, 'm').exec(text);
  if (!match) throw new PerfdhcpOutputError(`perfdhcp's report has no "${label}" in ${where}`);
  return Number(match[1]);
}

function optionalMs(text: string, which: 'avg' | 'max'): number | undefined {
  const match = new RegExp(`^${which} delay:\\s*([0-9.]+) ms`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Reads perfdhcp's final report (Kea 2.x wording) of a `-4` run, or a `-6` one; throws `PerfdhcpOutputError` naming what is missing. Pure. */
export function parsePerfdhcp(text: string, family: 4 | 6 = 4): PerfdhcpReport {
  const rate = /^Rate:\s*([0-9.]+)\s+4-way exchanges\/second/m.exec(text);
  if (!rate) throw new PerfdhcpOutputError('perfdhcp\'s report has no "Rate: N 4-way exchanges/second" line');
  const [first, second] = SECTIONS[family];
  const dOffer = section(text, first);
  const rAck = section(text, second);
  const discoversSent = number(dOffer, 'sent packets', first);
  const acksReceived = number(rAck, 'received packets', second);
  return {
    doraPerSecond: Number(rate[1]),
    discoversSent,
    offersReceived: number(dOffer, 'received packets', first),
    requestsSent: number(rAck, 'sent packets', second),
    acksReceived,
    incompletePercent: discoversSent === 0 ? 0 : (100 * Math.max(0, discoversSent - acksReceived)) / discoversSent,
    avgOfferMs: optionalMs(dOffer, 'avg'),
    avgAckMs: optionalMs(rAck, 'avg'),
    maxOfferMs: optionalMs(dOffer, 'max'),
    maxAckMs: optionalMs(rAck, 'max'),
  };
}

/**
 * CPU seconds of the waited-for children of the shell that printed this
 * `/proc/<pid>/stat` line (cutime + cstime, proc(5) fields 16 and 17), or
 * undefined when the line is not there. Pure.
 */
export function childCpuSeconds(output: string, clockTicks = 100): number | undefined {
  const match = /^LH-SHELL-STAT (.*)$/m.exec(output);
  if (!match) return undefined;
  const stat = match[1]!;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cutime = Number(fields[13]);
  const cstime = Number(fields[14]);
  return Number.isFinite(cutime) && Number.isFinite(cstime) ? (cutime + cstime) / clockTicks : undefined;
}

/**
 * Runs perfdhcp in the client namespace, through a shell that reports its
 * waited-for children's CPU time afterwards (perfdhcp's own CPU: on two
 * cores the load generator can be the limit). Killed if it outlives its
 * period by 20 s. Exit status 3 (some exchanges incomplete) is normal.
 */
export async function runPerfdhcp(clientNs: string, run: PerfdhcpRun): Promise<{ report: PerfdhcpReport; output: string; cpuSeconds: number | undefined }> {
  const script = 'perfdhcp "$@"; rc=$?; echo "LH-SHELL-STAT $(cat /proc/$$/stat)"; exit $rc';
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', clientNs, 'sh', '-c', script, 'perfdhcp', ...perfdhcpArgs(run)],
      { timeout: (run.seconds + 20) * 1000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (error && code !== 3) reject(new PerfdhcpOutputError(`perfdhcp failed (${String(code ?? error.message)}): ${stderr.trim() || stdout.trim()}`));
        else resolve(stdout + stderr);
      },
    );
  });
  return { report: parsePerfdhcp(output, run.family ?? 4), output, cpuSeconds: childCpuSeconds(output) };
}
