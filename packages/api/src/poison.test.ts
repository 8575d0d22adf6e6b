/**
 * Issue 15's poison probes against a real nats-server and the real API
 * service: garbage written straight onto a network's and a port's subjects
 * (as a writer without the API would) is quarantined, and every command that
 * succeeds without it still succeeds.
 */
import { randomUUID } from 'node:crypto';
import { encodeEvent, pack, type EventEnvelope } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApi, type TestApi } from './testing/index.js';

let t: TestApi;
const logged: string[] = [];
beforeAll(async () => {
  t = await startTestApi({ onQuarantine: (_event, line) => void logged.push(line) });
});
afterAll(() => t.stop());

const envelope = (type: string, aggregate: string, data: unknown, v = 1): EventEnvelope => ({ type, v, id: randomUUID(), aggregate, at: Date.now(), data });

/** Publishes raw bytes on a subject, as any client with publish rights on the stream could; resolves with the sequence. */
async function poison(subject: string, data: Uint8Array): Promise<number> {
  return (await t.journal.js.publish(subject, data)).seq;
}

/** Every kind of garbage the probes used, and more, on one subject; resolves with the last sequence. */
async function poisonAll(subject: string, aggregate: string, type: string): Promise<number> {
  await poison(subject, new Uint8Array([0xc1, 0xff, 0x00, 0x13]));
  await poison(subject, pack({ hello: 'world' }));
  await poison(subject, encodeEvent(envelope(type, aggregate, {})));
  await poison(subject, encodeEvent(envelope(type, aggregate, { changes: { id: 'hijack' } })));
  await poison(subject, encodeEvent(envelope(type, aggregate, { changes: {} }, 7)));
  return poison(subject, encodeEvent(envelope('NetworkRenamed', aggregate, { name: 'x' })));
}

describe('poison on the journal (issue 15, point 3)', () => {
  test('a NetworkCreated with data {} (the probe) is quarantined: networks.list answers, also after a restart', async () => {
    const network = await t.client.networks.create({ name: 'beside-the-poison' });
    const forged = `forged-${randomUUID()}`;
    const seq = await poison(`lh.evt.network.${forged}`, encodeEvent(envelope('NetworkCreated', `network/${forged}`, {})));
    await t.api.model.waitFor(seq);
    const listed = await t.client.networks.list();
    expect(listed.map((n) => n.id)).toContain(network.id);
    expect(listed.map((n) => n.id)).not.toContain(forged);
    expect(logged.some((line) => line.includes(`quarantined event ${seq} on lh.evt.network.${forged} (NetworkCreated v1): NetworkCreated v1: data.network: missing`))).toBe(true);

    expect(t.api.projection.stats.quarantined).toBeGreaterThanOrEqual(1);

    // Its snapshot covers the quarantined event (the restart does not see it again); the list still answers.
    await t.restartService();
    expect((await t.client.networks.list()).map((n) => n.id)).toContain(network.id);
  });

  test('garbage on a network\'s subject leaves it writable: networks.update and subnets.create succeed, networks.list answers', async () => {
    const network = await t.client.networks.create({ name: 'poisoned-network' });
    const last = await poisonAll(`lh.evt.network.${network.id}`, `network/${network.id}`, 'NetworkUpdated');
    await t.api.model.waitFor(last);
    expect(t.api.model.networkVersion(network.id)).toBe(last);

    const updated = await t.client.networks.update(network.id, { mtu: 9000 });
    expect(updated).toMatchObject({ mtu: 9000, name: 'poisoned-network' });
    expect(updated.revision_number).toBeGreaterThan(last);
    const subnet = await t.client.subnets.create({ network_id: network.id, cidr: '198.18.10.0/24' });
    expect(subnet.network_id).toBe(network.id);
    expect((await t.client.networks.list()).find((n) => n.id === network.id)?.subnets).toStrictEqual([subnet.id]);
    // A revision taken from a read is the one the server checks against.
    const shown = await t.client.networks.show(network.id);
    await poison(`lh.evt.network.${network.id}`, new Uint8Array([0xc1]));
    await expect(t.client.networks.update(network.id, { name: 'stale', revision_number: shown.revision_number })).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
    expect(await t.client.networks.update(network.id, { name: 'fresh' })).toMatchObject({ name: 'fresh' });
  });

  test('garbage on a port\'s subject leaves it writable: ports.update and ports.delete succeed', async () => {
    const network = await t.client.networks.create({ name: 'net-of-poisoned-port' });
    await t.client.subnets.create({ network_id: network.id, cidr: '198.18.11.0/24' });
    const port = await t.client.ports.create({ network_id: network.id, name: 'p' });
    const last = await poisonAll(`lh.evt.port.${port.id}`, `port/${port.id}`, 'PortUpdated');
    // A PortCreated for another port, on this port's subject, must not give that port this subject's version.
    const other = randomUUID();
    const forged = await poison(`lh.evt.port.${port.id}`, encodeEvent(envelope('PortCreated', `port/${port.id}`, { port: { ...portState(port.id, network.id), id: other } })));
    await t.api.model.waitFor(forged);
    expect(t.api.model.ports.get(port.id)?.version).toBe(forged);
    expect(t.api.model.ports.has(other)).toBe(false);
    expect(forged).toBeGreaterThan(last);

    expect(await t.client.ports.update(port.id, { name: 'renamed', dns_name: 'vm1' })).toMatchObject({ name: 'renamed', dns_name: 'vm1' });
    await poison(`lh.evt.port.${port.id}`, encodeEvent(envelope('PortDeleted', `port/${port.id}`, { networkId: 42 })));
    await t.client.ports.delete(port.id);
    expect((await t.client.ports.list({ network_id: network.id })).map((p) => p.id)).not.toContain(port.id);
    expect((await t.client.networks.list()).map((n) => n.id)).toContain(network.id);
  });

  test('garbage on an address claim\'s subject does not keep the address from the next port', async () => {
    const network = await t.client.networks.create({ name: 'net-of-poisoned-claim' });
    await t.client.subnets.create({ network_id: network.id, cidr: '198.18.12.0/24' });
    await poison(`lh.evt.ipam.${network.id}.198-18-12-50`, encodeEvent(envelope('IpAllocated', `lh.evt.ipam.${network.id}.198-18-12-50`, { networkId: network.id })));
    const port = await t.client.ports.create({ network_id: network.id, fixed_ips: [{ ip_address: '198.18.12.50' }] });
    expect(port.fixed_ips.map((f) => f.ip_address)).toStrictEqual(['198.18.12.50']);
  });
});

function portState(id: string, networkId: string) {
  return { id, networkId, name: '', macAddress: 'fa:16:3e:00:00:99', fixedIps: [], dnsName: '', extraDhcpOpts: [], deviceOwner: '', deviceId: '', adminStateUp: true };
}
