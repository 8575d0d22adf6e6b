import { afterEach, describe, expect, test } from 'vitest';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { FakeUpstream, aRecord, answer, dig } from './test-harness.js';

const running: (DnsCacheHandle | FakeUpstream)[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

/** A cache on 127.0.0.1 with log-queries on (or off), forwarding to a fake upstream that knows one name. */
async function loggingCache(logQueries: boolean) {
  const upstream = await FakeUpstream.start('127.0.0.1', (q) => answer(q, q.questions[0]!.name === 'www.example.org' ? [aRecord(q, '198.19.2.80')] : [], q.questions[0]!.name === 'www.example.org' ? {} : { rcode: 3 }));
  running.push(upstream);
  const lines: { message: string; tx: Readonly<Record<string, unknown>> }[] = [];
  const cache = await startDnsCache(
    { listenAddresses: ['127.0.0.1'], noResolv: true, servers: [upstream.server], hostRecords: [{ names: ['vm1.lan'], ipv4: ['198.18.0.5'], ipv6: [], ttl: undefined }], logQueries },
    { listenPort: 0, queries: (message, fields) => lines.push({ message, tx: fields.tx }) },
  );
  running.push(cache);
  return { cache, lines, at: cache.addresses[0]! };
}

describe('log-queries', () => {
  test('a local name, a forwarded one, the same one cached and an NXDOMAIN each read as dnsmasq writes them', async () => {
    const { lines, at } = await loggingCache(true);
    await dig(at, ['vm1.lan', 'A']);
    await dig(at, ['www.example.org', 'A']);
    await dig(at, ['www.example.org', 'A']);
    await dig(at, ['nosuch.example.org', 'A']);
    expect(lines.map((l) => l.message)).toEqual([
      'query[A] vm1.lan from 127.0.0.1',
      'config vm1.lan is 198.18.0.5',
      'query[A] www.example.org from 127.0.0.1',
      `forwarded www.example.org to 127.0.0.1`,
      'reply www.example.org is 198.19.2.80',
      'query[A] www.example.org from 127.0.0.1',
      'cached www.example.org is 198.19.2.80',
      'query[A] nosuch.example.org from 127.0.0.1',
      `forwarded nosuch.example.org to 127.0.0.1`,
      'reply nosuch.example.org is NXDOMAIN',
    ]);
    // The same facts as fields, for JSON logs: the answer line names its listener (the agent tells networks apart by it).
    expect(lines[1]!.tx).toMatchObject({ event: 'config', name: 'vm1.lan', answer: '198.18.0.5', listener: '127.0.0.1' });
  });

  test('without log-queries the sink hears nothing', async () => {
    const { lines, at } = await loggingCache(false);
    const result = await dig(at, ['vm1.lan', 'A']);
    expect(result.answers.map((a) => a.data)).toEqual(['198.18.0.5']);
    expect(lines).toEqual([]);
  });
});
