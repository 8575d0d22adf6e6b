/**
 * How the CLI prints resources: aligned columns for lists, a field/value
 * table for one resource, or the API's JSON reply with `--json`. No table
 * library is installed, and this needs little: plain text, two spaces
 * between columns, no trailing blanks.
 */

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
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

/** A list as a table with the given columns. Pure. */
export function renderList<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  return renderTable(
    columns.map((c) => c.header),
    rows.map((row) => columns.map((c) => formatValue(c.value(row)))),
  );
}

/** One resource as a two-column field/value table, fields in the API's order. Pure. */
export function renderRecord(resource: object): string {
  return renderTable(
    ['field', 'value'],
    Object.entries(resource).map(([k, v]) => [k, formatValue(v)]),
  );
}

/** The API's reply as indented JSON. Pure. */
export function renderJson(reply: unknown): string {
  return JSON.stringify(reply, null, 2);
}
