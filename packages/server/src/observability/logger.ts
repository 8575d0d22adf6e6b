/**
 * Structured logs with pino: one JSON object per line on stderr (stdout
 * carries the banner a person reads), or on a terminal one readable line per
 * entry, formatted here rather than through pino-pretty (no extra
 * dependency, no worker thread to outlive the process).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from '../config/schema.js';

export type { Logger };

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where lines go (stderr by default). */
  readonly destination?: { write(text: string): unknown; readonly isTTY?: boolean };
  /** Fields on every line (the process's role). */
  readonly base?: Record<string, unknown>;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/**
 * Left out of a pretty line: `tx`, a transaction line's facts
 * (transaction-log.ts), which its message already reads out as dnsmasq
 * would; `process`, the command the person at the terminal started.
 */
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'component', 'process', 'tx']);

/**
 * One pino JSON line as `HH:MM:SS.mmm LEVEL component: message key=value ...`
 * (local time; values JSON-quoted when they hold spaces or quotes). Pure.
 */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now());
  const hh = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${hh(time.getHours())}:${hh(time.getMinutes())}:${hh(time.getSeconds())}.${hh(time.getMilliseconds(), 3)}`;
  const level = (LEVEL_NAMES[Number(entry.level)] ?? String(entry.level)).padEnd(5);
  const component = typeof entry.component === 'string' ? `${entry.component}: ` : '';
  const fields = Object.entries(entry)
    .filter(([k]) => !OMITTED.has(k))
    .map(([k, v]) => {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      return `${k}=${/[\s"=]/.test(text) ? JSON.stringify(text) : text}`;
    });
  return `${stamp} ${level} ${component}${String(entry.msg ?? '').replace(/\r?\n|\r/g, '\\n')}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

/** A pino logger writing JSON, or pretty lines on a terminal (format auto). */
export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stderr;
  const pretty = options.format === 'pretty' || (options.format === 'auto' && out.isTTY === true);
  const stream: DestinationStream = pretty ? { write: (line: string) => void out.write(prettyLine(line)) } : { write: (line: string) => void out.write(line) };
  return pino({ level: options.level, base: { pid: process.pid, ...options.base } }, stream);
}

/** A projection's line for an event it quarantined (journal's `quarantineLine`): its sequence and subject. */
const QUARANTINED = /\bquarantined event (\d+) on (\S+)/;

/**
 * The `log(line)` callback the packages take, as a child logger of one
 * component. The packages hand over text; a line that says something failed
 * is logged as a warning so an operator filtering on level still sees it,
 * and one about an event a projection quarantined (stored data no fold may
 * apply) as an error, with the event's `seq` and `subject` as fields.
 */
export function partLog(logger: Logger, component: string): (line: string) => void {
  const child = logger.child({ component });
  return (line) => {
    const quarantined = QUARANTINED.exec(line);
    if (quarantined) child.error({ seq: Number(quarantined[1]), subject: quarantined[2] }, line);
    else if (/\b(cannot|error|failed|fail|refused|unexpected)\b/i.test(line)) child.warn(line);
    else child.info(line);
  };
}
