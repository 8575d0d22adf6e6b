import { randomUUID } from 'node:crypto';
import { Journal } from '@leasehold/journal';
import { startTestNats, type TestNats } from '@leasehold/journal/testing';
import { encodeEvent, type EventEnvelope } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../resources/testing/run-cli.js';

let nats: TestNats;
const seqs: Record<string, number> = {};
const networkId = `net-${randomUUID()}`;
const portId = `port-${randomUUID()}`;

const envelope = (type: string, aggregate: string, data: unknown, v = 1): EventEnvelope => ({ type, v, id: randomUUID(), aggregate, at: 1_700_000_000_000, data });

beforeAll(async () => {
  nats = await startTestNats();
  const journal = await Journal.open(await nats.connect());
  const publish = async (name: string, subject: string, data: Uint8Array) => (seqs[name] = (await journal.js.publish(subject, data)).seq);
  const network = { id: networkId, name: 'n', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null };
  await publish('created', `lh.evt.network.${networkId}`, encodeEvent(envelope('NetworkCreated', `network/${networkId}`, { network })));
  await publish('empty', `lh.evt.network.${networkId}`, encodeEvent(envelope('NetworkCreated', `network/${networkId}`, {})));
  await publish('bytes', `lh.evt.port.${portId}`, new Uint8Array([0xc1, 0xff, 0x00]));
  await publish('v9', `lh.evt.port.${portId}`, encodeEvent(envelope('PortDeleted', `port/${portId}`, { networkId }, 9)));
  await publish('test', `lh.evt.test.${randomUUID()}`, encodeEvent(envelope('Added', 'test/x', { n: 1 })));
});
afterAll(() => nats?.stop());

const cli = (...args: string[]) => runCli([...args, '--nats-url', nats.url]);

describe('leasehold events quarantined', () => {
  test('lists each event the projections skip with its sequence, subject, type and what is wrong, and counts them on stderr', async () => {
    const run = await cli('events', 'quarantined');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^${seqs.empty} \\S+Z lh\\.evt\\.network\\.${networkId} NetworkCreated v1: NetworkCreated v1: data\\.network: missing$`));
    expect(lines[1]).toMatch(new RegExp(`^${seqs.bytes} \\S+Z lh\\.evt\\.port\\.${portId} <undecodable>: event envelope: `));
    expect(lines[2]).toMatch(new RegExp(`^${seqs.v9} \\S+Z lh\\.evt\\.port\\.${portId} PortDeleted v9: PortDeleted v9 is not a schema version this build reads \\(1\\)$`));
    expect(run.stderr).toBe('3 of 5 events quarantined\n');
  });

  test('--json gives one object per line with the data as stored; --type narrows it', async () => {
    const run = await cli('events', 'quarantined', '--type', 'network', '--json');
    expect(run.code).toBe(0);
    const objects = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects).toStrictEqual([
      { seq: seqs.empty, subject: `lh.evt.network.${networkId}`, time: expect.any(String), type: 'NetworkCreated', v: 1, reason: 'NetworkCreated v1: data.network: missing', data: {} },
    ]);
    expect(run.stderr).toBe('');
  });
});
