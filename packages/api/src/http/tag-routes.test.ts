/** Neutron's kept-for-clients fields, tag sub-resource and tag filters over HTTP, on a real API service over a real nats-server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/api.js';
import { startHttpApi, type HttpApi } from './server.js';

let t: TestApi;
let http: HttpApi;

beforeAll(async () => {
  t = await startTestApi();
  http = await startHttpApi(t.api, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await http?.close();
  await t?.stop();
});

async function req(method: string, path: string, body?: unknown) {
  const response = await fetch(`${http.url}${path}`, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const NEUTRON_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe("Neutron's fields kept for clients over HTTP", () => {
  it('keeps a network\'s description, tags, shared and port_security_enabled across an update, with Neutron\'s created_at and updated_at', async () => {
    const created = await req('POST', '/v2.0/networks', { network: { name: 'kept', description: 'blue team', tags: ['x', 'y', 'x'], shared: true, port_security_enabled: false } });
    expect(created.status).toBe(201);
    const net = created.body.network;
    expect(net).toMatchObject({ description: 'blue team', tags: ['x', 'y'], shared: true, port_security_enabled: false });
    expect(net.created_at).toMatch(NEUTRON_TIME);
    expect(net.updated_at).toBe(net.created_at);
    const renamed = (await req('PUT', `/v2.0/networks/${net.id}`, { network: { name: 'kept-2' } })).body.network;
    expect(renamed).toMatchObject({ name: 'kept-2', description: 'blue team', tags: ['x', 'y'], shared: true, port_security_enabled: false, created_at: net.created_at });
    expect(renamed.updated_at >= net.updated_at).toBe(true);
    const tooLong = await req('PUT', `/v2.0/networks/${net.id}`, { network: { description: 'd'.repeat(256) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.NeutronError.type).toBe('InvalidInput');
  });

  it('keeps a subnet\'s and a port\'s description and tags, and a port\'s binding, port security and allowed address pairs (a pair without a MAC shows the port\'s)', async () => {
    const net = (await req('POST', '/v2.0/networks', { network: { name: 'ports' } })).body.network;
    const subnet = (await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '198.18.70.0/24', description: 'pool', tags: ['s'] } })).body.subnet;
    expect(subnet).toMatchObject({ description: 'pool', tags: ['s'] });
    expect(subnet.created_at).toMatch(NEUTRON_TIME);
    const pairs = [{ ip_address: '198.18.70.0/28' }, { ip_address: '2001:db8::5', mac_address: 'FA:16:3E:00:00:09' }];
    const port = (
      await req('POST', '/v2.0/ports', {
        port: { network_id: net.id, description: 'vm', tags: ['p'], port_security_enabled: false, 'binding:host_id': 'compute-1', 'binding:profile': { pci_slot: '0000:05:00.1' }, allowed_address_pairs: pairs },
      })
    ).body.port;
    expect(port).toMatchObject({
      description: 'vm',
      tags: ['p'],
      port_security_enabled: false,
      'binding:host_id': 'compute-1',
      'binding:profile': { pci_slot: '0000:05:00.1' },
      allowed_address_pairs: [
        { ip_address: '198.18.70.0/28', mac_address: port.mac_address },
        { ip_address: '2001:db8::5', mac_address: 'fa:16:3e:00:00:09' },
      ],
    });
    const moved = (await req('PUT', `/v2.0/ports/${port.id}`, { port: { 'binding:host_id': 'compute-2', allowed_address_pairs: [] } })).body.port;
    expect(moved).toMatchObject({ 'binding:host_id': 'compute-2', allowed_address_pairs: [], description: 'vm', tags: ['p'] });
    for (const bad of [{ ip_address: '198.18.70.300' }, { ip_address: '198.18.70.0/33' }, { ip_address: 'fe80::1/129' }, { ip_address: '198.18.70.1', mac_address: 'nope' }]) {
      const refused = await req('PUT', `/v2.0/ports/${port.id}`, { port: { allowed_address_pairs: [bad] } });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.body.NeutronError.type).toBe('InvalidInput');
    }
    expect((await req('PUT', `/v2.0/subnets/${subnet.id}`, { subnet: { port_security_enabled: true } })).status).toBe(400);
  });

  it('answers the tag sub-resource as Neutron does: the list replaced, one tag added, checked and removed', async () => {
    for (const collection of ['networks', 'subnets', 'ports']) {
      const net = (await req('POST', '/v2.0/networks', { network: { name: `tags-${collection}` } })).body.network;
      const id =
        collection === 'networks'
          ? net.id
          : collection === 'subnets'
            ? (await req('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '198.18.71.0/24' } })).body.subnet.id
            : (await req('POST', '/v2.0/ports', { port: { network_id: net.id } })).body.port.id;
      const base = `/v2.0/${collection}/${id}/tags`;
      expect(await req('PUT', base, { tags: ['b', 'a', 'a'] })).toEqual({ status: 200, body: { tags: ['b', 'a'] } });
      expect((await req('PUT', `${base}/c`)).status).toBe(201);
      expect((await req('PUT', `${base}/c`)).status).toBe(201);
      expect((await req('GET', `${base}/c`)).status).toBe(204);
      const missing = await req('GET', `${base}/zz`);
      expect(missing.status).toBe(404);
      expect(missing.body.NeutronError.type).toBe('TagNotFound');
      expect((await req('DELETE', `${base}/a`)).status).toBe(204);
      expect((await req('DELETE', `${base}/a`)).status).toBe(404);
      expect((await req('GET', base)).body).toEqual({ tags: ['b', 'c'] });
      const member = collection.slice(0, -1);
      expect((await req('GET', `/v2.0/${collection}/${id}`)).body[member].tags).toEqual(['b', 'c']);
      expect((await req('DELETE', base)).status).toBe(204);
      expect((await req('GET', base)).body).toEqual({ tags: [] });
      expect((await req('PUT', base, { tags: 'a' })).status).toBe(400);
      expect((await req('PUT', base, { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) })).status).toBe(400);
    }
    expect((await req('GET', '/v2.0/networks/no-such-network/tags')).body.NeutronError.type).toBe('NetworkNotFound');
  });

  it('filters lists by tags (all), tags-any, not-tags (not all) and not-tags-any (none)', async () => {
    const make = async (name: string, tags: string[]) => (await req('POST', '/v2.0/networks', { network: { name, tags } })).body.network.id;
    await make('f-red-blue', ['red', 'blue']);
    await make('f-red', ['red']);
    await make('f-none', []);
    const names = async (query: string) =>
      (await req('GET', `/v2.0/networks?${query}`)).body.networks.map((n: { name: string }) => n.name).filter((n: string) => n.startsWith('f-')).sort();
    expect(await names('tags=red,blue')).toEqual(['f-red-blue']);
    expect(await names('tags=red&tags=blue')).toEqual(['f-red-blue']);
    expect(await names('tags-any=blue,green')).toEqual(['f-red-blue']);
    expect(await names('tags-any=red')).toEqual(['f-red', 'f-red-blue']);
    expect(await names('not-tags=red,blue')).toEqual(['f-none', 'f-red']);
    expect(await names('not-tags-any=blue,red')).toEqual(['f-none']);
    expect(await names('tags=red&not-tags-any=blue')).toEqual(['f-red']);
  });
});
