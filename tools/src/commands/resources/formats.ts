/**
 * The output formats the `openstack` CLI offers on every list and show, so a
 * script written against it reads ours the same way: `-f table|json|yaml|csv|value`,
 * `-c COLUMN` (repeatable) to choose columns, and `--sort COLUMN[:asc|desc]`
 * (repeatable) on lists. Machine formats print raw values (times as the API
 * gives them, IPs as strings); only the table makes them friendlier (a time
 * gets how long ago or from now it is).
 */
import { tryParseIpv6 } from '@leasehold/protocol';
import { Option, type Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { badFlag } from './errors.js';
import { collect } from './flags.js';
import { formatValue, renderTable, type Column } from './output.js';

export const FORMATS = ['table', 'json', 'yaml', 'csv', 'value'] as const;
export type Format = (typeof FORMATS)[number];

export interface FormatFlags {
  readonly format?: Format;
  readonly column?: string[];
  readonly sort?: string[];
}

/** Adds `-f` and `-c` (every list and show) and, with `sortable`, `--sort` (lists). */
export function withFormatFlags(command: Command, sortable: boolean): Command {
  command
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'))
    .option('-c, --column <column>', 'show only this column (repeatable; a header, a field name, spaces or dashes as underscores)', collect);
  if (sortable) command.option('--sort <column[:asc|desc]>', 'sort by this column (repeatable: the first decides, the next breaks ties)', collect);
  return command;
}

/** A list or a record laid out as headers and raw values, before formatting. */
export interface Grid {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
  /** Which columns hold times (ISO 8601), shown relative to now in a table. */
  readonly times?: ReadonlySet<number>;
}

/** Rows under the columns `-c` names (all when none), sorted by `--sort`. Pure. */
export function listGrid<T>(rows: readonly T[], columns: readonly Column<T>[], flags: FormatFlags): Grid {
  const chosen = chooseColumns(columns, flags.column);
  const values = rows.map((row) => chosen.map((c) => c.value(row)));
  const sorted = flags.sort?.length ? sortRows(values, chosen.map((c) => c.header), flags.sort) : values;
  const times = new Set(chosen.flatMap((c, i) => (c.time ? [i] : [])));
  return { headers: chosen.map((c) => c.header), rows: sorted, times };
}

/** One resource's fields (those `-c` names, else all, in the API's order) as a one-row grid. Pure. */
export function recordGrid(resource: object, flags: FormatFlags): Grid {
  const fields = Object.keys(resource);
  const chosen = flags.column?.length ? flags.column.map((c) => matchName(c, fields, '-c')) : fields;
  return { headers: chosen, rows: [chosen.map((f) => (resource as Record<string, unknown>)[f])] };
}

/** A list in `format`. Pure but for the clock a table reads for relative times. */
export function renderGrid(grid: Grid, format: Format, now = Date.now()): string {
  switch (format) {
    case 'table':
      return renderTable(grid.headers, grid.rows.map((row) => row.map((v, i) => (grid.times?.has(i) ? relativeTime(v, now) : formatValue(v)))));
    case 'json':
      return JSON.stringify(objects(grid), null, 2);
    case 'yaml':
      return toYaml(objects(grid)).trimEnd();
    case 'csv':
      return [grid.headers.map(csvField), ...grid.rows.map((row) => row.map(csvField))].map((cells) => cells.join(',')).join('\n');
    case 'value':
      return grid.rows.map((row) => row.map(formatValue).join(' ')).join('\n');
  }
}

/** One resource in `format`: a field/value table, or an object (not a list) in json and yaml. Pure. */
export function renderRecordAs(grid: Grid, format: Format): string {
  const [row = []] = grid.rows;
  switch (format) {
    case 'table':
      return renderTable(['field', 'value'], grid.headers.map((h, i) => [h, formatValue(row[i])]));
    case 'json':
      return JSON.stringify(objects(grid)[0] ?? {}, null, 2);
    case 'yaml':
      return toYaml(objects(grid)[0] ?? {}).trimEnd();
    case 'value':
      return row.map(formatValue).join('\n');
    case 'csv':
      return renderGrid(grid, 'csv');
  }
}

function objects(grid: Grid): Record<string, unknown>[] {
  return grid.rows.map((row) => Object.fromEntries(grid.headers.map((h, i) => [h, row[i] ?? null])));
}

/** RFC 4180 as openstack writes it (Python's csv.QUOTE_NONNUMERIC): numbers bare, everything else quoted with doubled quotes. */
function csvField(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return `"${formatValue(value).replaceAll('"', '""')}"`;
}

/** `2026-12-07T10:00:00Z` as "2026-12-07T10:00:00Z (3 min ago)"; anything not a time as it is. Pure given `now`. */
export function relativeTime(value: unknown, now: number): string {
  const text = formatValue(value);
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(at)) return text;
  const seconds = Math.round((at - now) / 1000);
  const span = Math.abs(seconds);
  const amount = span < 90 ? `${span} s` : span < 90 * 60 ? `${Math.round(span / 60)} min` : span < 36 * 3600 ? `${Math.round(span / 3600)} h` : `${Math.round(span / 86_400)} d`;
  return `${text} (${seconds >= 0 ? `in ${amount}` : `${amount} ago`})`;
}

function chooseColumns<T>(columns: readonly Column<T>[], wanted: readonly string[] | undefined): Column<T>[] {
  if (!wanted?.length) return [...columns];
  const headers = columns.map((c) => c.header);
  return wanted.map((w) => columns[headers.indexOf(matchName(w, headers, '-c'))]!);
}

/** The header or field `name` means: exact, else ignoring case, spaces, dashes and underscores; else a usage error listing them. Pure. */
function matchName(name: string, names: readonly string[], flag: string): string {
  const squash = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, '');
  const found = names.find((n) => n === name) ?? names.find((n) => squash(n) === squash(name));
  if (found === undefined) throw badFlag(flag, `${flag}: no column ${JSON.stringify(name)}; the columns are: ${names.join(', ')}`);
  return found;
}

/** Rows sorted by each `column[:asc|desc]` in turn; stable, so equal rows keep the API's order. Pure. */
export function sortRows(rows: readonly (readonly unknown[])[], headers: readonly string[], specs: readonly string[]): (readonly unknown[])[] {
  const keys = specs.map((spec) => {
    const m = /^(.*?)(?::(asc|desc))?$/i.exec(spec)!;
    const index = headers.indexOf(matchName(m[1]!, headers, '--sort'));
    return { index, sign: m[2]?.toLowerCase() === 'desc' ? -1 : 1 };
  });
  return [...rows].sort((a, b) => {
    for (const { index, sign } of keys) {
      const order = compareValues(a[index], b[index]);
      if (order !== 0) return order * sign;
    }
    return 0;
  });
}

/**
 * Numbers by value, addresses by value (198.18.0.9 before 198.18.0.10,
 * 2001:db8::9 before 2001:db8::10), every IPv4 address before every IPv6
 * one, the rest as text; empty last. Pure.
 */
function compareValues(a: unknown, b: unknown): number {
  const empty = (v: unknown) => v === null || v === undefined || v === '';
  if (empty(a) || empty(b)) return empty(a) === empty(b) ? 0 : empty(a) ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const ipA = addressKey(a);
  const ipB = addressKey(b);
  if (ipA !== undefined && ipB !== undefined) return ipA.family - ipB.family || (ipA.value < ipB.value ? -1 : ipA.value > ipB.value ? 1 : 0);
  const [x, y] = [formatValue(a), formatValue(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** An address's family and value, or undefined for any other value. Pure. */
function addressKey(value: unknown): { family: 4 | 6; value: bigint } | undefined {
  const v4 = ipv4Number(value);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4) };
  // Only text with a colon can be an IPv6 address (a MAC has too few groups to parse as one).
  const v6 = typeof value === 'string' && value.includes(':') ? tryParseIpv6(value) : undefined;
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

function ipv4Number(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  return octets.some((o) => o > 255) ? undefined : octets.reduce((n, o) => n * 256 + o, 0);
}
