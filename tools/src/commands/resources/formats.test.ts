import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CliError } from './errors.js';
import { listGrid, recordGrid, relativeTime, renderGrid, renderRecordAs, sortRows } from './formats.js';
import type { Column } from './output.js';
import { tableRows } from './testing/run-cli.js';

interface Row {
  readonly name: string;
  readonly ip: string;
  readonly n: number;
}
const columns: readonly Column<Row>[] = [
  { header: 'name', value: (r) => r.name },
  { header: 'ip address', value: (r) => r.ip },
  { header: 'n', value: (r) => r.n },
];
const ip = fc.tuple(fc.constant(198), fc.integer({ min: 18, max: 19 }), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const row = fc.record({ name: fc.string({ maxLength: 12 }), ip, n: fc.integer({ min: -1000, max: 1000 }) });
const rows = fc.array(row, { maxLength: 20 });
const ipNumber = (text: string) => text.split('.').reduce((n, o) => n * 256 + Number(o), 0);

describe('lists in -f formats', () => {
  test.prop([rows])('json and yaml give back every row, keyed by header, with raw values', (data) => {
    const grid = listGrid(data, columns, {});
    const expected = data.map((r) => ({ name: r.name, 'ip address': r.ip, n: r.n }));
    expect(JSON.parse(renderGrid(grid, 'json'))).toStrictEqual(expected);
    expect(parseYaml(renderGrid(grid, 'yaml')) ?? []).toStrictEqual(expected);
  });

  test.prop([rows])('csv has a header line and one line per row, numbers bare and text quoted with doubled quotes', (data) => {
    const lines = renderGrid(listGrid(data, columns, {}), 'csv').split('\n');
    expect(lines[0]).toBe('"name","ip address","n"');
    // Names without newlines stay on one line each, as a CSV reader would split them.
    const plain = data.every((r) => !/[\r\n\t]/.test(r.name));
    if (plain) expect(lines.slice(1)).toStrictEqual(data.map((r) => `"${r.name.replaceAll('"', '""')}","${r.ip}",${r.n}`));
  });

  test.prop([rows])('-c picks columns by header, case, spaces and underscores aside, in the order given', (data) => {
    const grid = listGrid(data, columns, { column: ['N', 'ip_address'] });
    expect(grid.headers).toStrictEqual(['n', 'ip address']);
    expect(renderGrid(grid, 'value').split('\n').filter((l) => l !== '')).toStrictEqual(data.map((r) => `${r.n} ${r.ip}`));
  });

  test.prop([rows])('--sort on an address orders by its 32 bits, desc reverses, and a second key breaks ties', (data) => {
    const asc = listGrid(data, columns, { sort: ['ip address', 'n'] }).rows;
    for (let i = 1; i < asc.length; i++) {
      const [a, b] = [asc[i - 1]!, asc[i]!];
      const order = ipNumber(a[1] as string) - ipNumber(b[1] as string);
      expect(order < 0 || (order === 0 && (a[2] as number) <= (b[2] as number))).toBe(true);
    }
    const desc = listGrid(data, columns, { sort: ['ip_address:desc'] }).rows.map((r) => ipNumber(r[1] as string));
    expect(desc).toStrictEqual([...desc].sort((x, y) => y - x));
    expect(sortRows([], ['a'], ['a'])).toStrictEqual([]);
  });

  /** 2001:db8::<4 hex digits>, in any of its textual forms (leading zeros, upper case): a lease list mixes them with IPv4 ones. */
  const ip6 = fc.tuple(fc.nat(0xffff), fc.boolean()).map(([low, padded]) => ({ value: BigInt(low), text: padded ? `2001:0DB8:0:0:0:0:0:${low.toString(16).toUpperCase()}` : `2001:db8::${low.toString(16)}` }));
  test.prop([fc.array(fc.oneof(ip.map((text) => ({ family: 4, value: BigInt(ipNumber(text)), text })), ip6.map((a) => ({ family: 6, ...a }))), { maxLength: 20 })])(
    '--sort on an address puts every IPv4 address before every IPv6 one, each family by value (2001:db8::9 before 2001:db8::10)',
    (addresses) => {
      const data = addresses.map((a, n) => ({ name: '', ip: a.text, n }));
      const sorted = listGrid(data, columns, { sort: ['ip address'] }).rows.map((r) => addresses[r[2] as number]!);
      const key = (a: { family: number; value: bigint }) => [a.family, a.value] as const;
      for (let i = 1; i < sorted.length; i++) {
        const [[fa, va], [fb, vb]] = [key(sorted[i - 1]!), key(sorted[i]!)];
        expect(fa < fb || (fa === fb && va <= vb)).toBe(true);
      }
    },
  );

  test('an unknown column is a usage error naming the columns there are', () => {
    expect(() => listGrid([], columns, { column: ['mac'] })).toThrow(CliError);
    expect(() => listGrid([], columns, { sort: ['mac:asc'] })).toThrow(/the columns are: name, ip address, n/);
  });

  test('a table shows a time column as how long ago or from now, machine formats keep the time as the API gave it', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    const timed: Column<{ at: string }>[] = [{ header: 'expires', value: (r) => r.at, time: true }];
    const grid = listGrid([{ at: '2026-12-07T12:05:00Z' }, { at: '2026-12-07T11:59:30Z' }], timed, {});
    expect(tableRows(`${renderGrid(grid, 'table', now)}\n`)).toStrictEqual([['expires'], ['2026-12-07T12:05:00Z (in 5 min)'], ['2026-12-07T11:59:30Z (30 s ago)']]);
    expect(JSON.parse(renderGrid(grid, 'json'))).toStrictEqual([{ expires: '2026-12-07T12:05:00Z' }, { expires: '2026-12-07T11:59:30Z' }]);
    expect(relativeTime('', now)).toBe('');
    expect(relativeTime('not a time', now)).toBe('not a time');
  });
});

describe('one resource in -f formats', () => {
  test.prop([fc.dictionary(fc.stringMatching(/^[a-z_:]{1,20}$/), fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown))])(
    'the table has one line per field whatever the values hold, json gives the object back',
    (resource) => {
      const grid = recordGrid(resource, {});
      expect(renderRecordAs(grid, 'table').split('\n')).toHaveLength(Object.keys(resource).length + 2);
      expect(renderRecordAs(grid, 'json')).toBe(JSON.stringify(resource, null, 2));
    },
  );

  test('-c keeps the fields named, value prints one per line', () => {
    const grid = recordGrid({ id: 'n1', name: 'blue', mtu: 1450 }, { column: ['mtu', 'id'] });
    expect(renderRecordAs(grid, 'value')).toBe('1450\nn1');
    expect(() => recordGrid({ id: 'n1' }, { column: ['nope'] })).toThrow(/the columns are: id/);
  });
});
