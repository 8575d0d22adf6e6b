/**
 * How the CLI prints resources in a table (aligned columns; formats.ts lays
 * out lists and records and offers -f's other formats), or the API's JSON
 * reply with `--json`. No table library is installed, and this needs
 * little: plain text, two spaces
 * between columns, no trailing blanks.
 */

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
  /** The value is a time (ISO 8601): a table shows how long ago or from now it is. */
  readonly time?: boolean;
}

/** One cell's text: null/undefined empty, lists comma-separated, objects as k=v pairs. Pure. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(formatValue).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(',');
  }
  return String(value).replace(/[\r\n\t]+/g, ' ');
}

/** Header, a rule of dashes, then one line per row; every column starts at the same offset on every line. Pure. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((w, i) => (cells[i] ?? '').padEnd(w))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The API's reply as indented JSON. Pure. */
export function renderJson(reply: unknown): string {
  return JSON.stringify(reply, null, 2);
}
