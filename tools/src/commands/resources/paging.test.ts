import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { leaseSubject, leaseTimes, toEnvelope } from '@leasehold/lease-actor';
import { formatIpv4, parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonOf, runCli } from './testing/run-cli.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

const cli = (...args: string[]) => runCli([...args, '--nats-url', t.nats.url]);
const LEASES = 50_000;
const BASE = parseIpv4('198.18.0.0');

describe('lists of any size', () => {
  test(`${LEASES.toLocaleString('en')} leases: the CLI walks the pages (one reply could not carry them), and --limit/--marker give a script one page and where the next starts`, { timeout: 300_000 }, async () => {
    const net = await t.client.networks.create({ name: 'big-leases' });
    const now = Date.now();
    let last = 0;
    // Pipelined publishes, each acknowledged, 1,000 in flight: how a real history of this size is written in seconds.
    for (let from = 0; from < LEASES; from += 1_000) {
      const versions = await Promise.all(
        Array.from({ length: Math.min(1_000, LEASES - from) }, (_, k) => {
          const i = from + k;
          const ip = ((BASE + i + 1) >>> 0) as ReturnType<typeof parseIpv4>;
          const mac = `52:54:00:${((i >> 16) & 0xff).toString(16).padStart(2, '0')}:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
          const event = { type: 'LeaseBound', ip, mac, hostname: `vm-${i}`, at: now, ...leaseTimes(now, 3_600_000) } as const;
          return t.journal.publish(leaseSubject(net.id, ip), toEnvelope(net.id, event, { id: randomUUID() })).then((ack) => ack.seq);
        }),
      );
      last = Math.max(last, ...versions);
    }
    await t.api.model.waitFor(last);

    // The three reads are independent: their CLI processes run side by side (page 2 follows page 1's marker).
    const [all, [first, second], sorted] = await Promise.all([
      cli('lease', 'list', '--network', 'big-leases', '-f', 'value', '-c', 'ip address'),
      cli('lease', 'list', '--network', 'big-leases', '--limit', '700', '--json').then(async (run) => {
        const marker = jsonOf<{ next_marker: string }>(run).next_marker;
        return [run, await cli('lease', 'list', '--network', 'big-leases', '--limit', '700', '--marker', marker, '--json')] as const;
      }),
      cli('lease', 'list', '--network', 'big-leases', '--limit', '5', '-f', 'csv', '-c', 'ip_address', '-c', 'hostname', '--sort', 'ip address:desc'),
    ]);
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    const ips = all.stdout.trim().split('\n');
    expect(ips).toHaveLength(LEASES);
    expect(new Set(ips).size).toBe(LEASES);
    expect(ips).toContain(formatIpv4(((BASE + LEASES) >>> 0) as ReturnType<typeof parseIpv4>));

    // Without paging the API cannot answer at all: the reply would be over NATS's max_payload.
    await expect(t.client.leases.list({ network_id: net.id })).rejects.toThrow(/over what the server carries/);

    const page1 = jsonOf<{ leases: { ip_address: string }[]; next_marker: string }>(first);
    expect(page1.leases).toHaveLength(700);
    expect(first.stderr).toBe(`more: --marker ${page1.next_marker}\n`);
    const page2 = jsonOf<{ leases: { ip_address: string }[] }>(second);
    expect(page2.leases).toHaveLength(700);
    // Pages do not overlap, and together they are the first 1,400 of the full list in the API's order.
    expect(new Set([...page1.leases, ...page2.leases].map((l) => l.ip_address)).size).toBe(1_400);

    const rows = sorted.stdout.trim().split('\n');
    expect(rows[0]).toBe('"ip address","hostname"');
    const shown = rows.slice(1).map((r) => r.split(',')[0]!.replaceAll('"', ''));
    expect(shown).toHaveLength(5);
    expect(shown).toStrictEqual([...shown].sort((a, b) => parseIpv4(b) - parseIpv4(a)));
  });

  test('an error under --json or -f json is one JSON object on stderr with the code, field and message', async () => {
    const [json, fJson, table] = await Promise.all([cli('port', 'show', 'no-such-port', '--json'), cli('port', 'show', 'no-such-port', '-f', 'json'), cli('port', 'show', 'no-such-port')]);
    for (const run of [json, fJson]) {
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stderr)).toStrictEqual({ error: { code: 'NOT_FOUND', field: 'port', message: 'no port has the id or name "no-such-port"' } });
    }
    expect(table.stderr).toBe('error NOT_FOUND (port): no port has the id or name "no-such-port"\n');
  });
});
