import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { formatValue, renderTable } from './output.js';
import { tableRows } from './testing/run-cli.js';

const cell = fc.stringMatching(/^[a-z0-9.:,=\/-]{0,12}$/);
const header = fc.stringMatching(/^[a-z][a-z ]{0,10}[a-z]$/);
const table = fc.integer({ min: 1, max: 6 }).chain((columns) =>
  fc.record({
    headers: fc.array(header, { minLength: columns, maxLength: columns }),
    rows: fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), { maxLength: 8 }),
  }),
);

describe('renderTable', () => {
  test.prop([table])('cutting each line at the column starts gives back the headers and every cell', ({ headers, rows }) => {
    // As the CLI prints it: followed by one newline.
    expect(tableRows(`${renderTable(headers, rows)}\n`)).toEqual([headers, ...rows]);
  });

  test.prop([table])('has a header, a rule and one line per row, none ending in a blank', ({ headers, rows }) => {
    const lines = renderTable(headers, rows).split('\n');
    expect(lines).toHaveLength(rows.length + 2);
    for (const line of lines) expect(line).not.toMatch(/ $/);
  });
});

describe('formatValue', () => {
  test('prints nothing for null, lists comma-separated and objects as key=value pairs', () => {
    expect(formatValue(null)).toBe('');
    expect(formatValue([])).toBe('');
    expect(formatValue(['az1', 'az2'])).toBe('az1, az2');
    expect(formatValue([{ destination: '198.19.0.0/16', nexthop: '198.18.0.1' }])).toBe('destination=198.19.0.0/16,nexthop=198.18.0.1');
    expect(formatValue(false)).toBe('false');
  });
});
