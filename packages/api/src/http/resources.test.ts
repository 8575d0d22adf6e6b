import { describe, expect, it } from 'vitest';
import type { AgentView, NetworkView } from '../wire/views.js';
import { handlerRequest, neutronAgent, neutronNetwork, neutronTime, unwrap } from './resources.js';

const network: NetworkView = {
  id: 'n1',
  name: 'net',
  admin_state_up: true,
  status: 'ACTIVE',
  mtu: 1500,
  dns_domain: '',
  availability_zone_hints: [],
  'provider:physical_network': null,
  'provider:network_type': null,
  'provider:segmentation_id': null,
  subnets: [],
  project_id: 'p',
  tenant_id: 'p',
  revision_number: 1,
  description: '',
  tags: [],
  created_at: '2026-12-07T05:58:22Z',
  updated_at: '2026-12-07T05:58:22Z',
  shared: false,
  port_security_enabled: true,
  'leasehold:isolated_metadata': null,
};

describe('resources between the API and Neutron', () => {
  it("shows a network with Neutron's fields at their defaults and every view field as it is", () => {
    const shown = neutronNetwork(network, ['nova']);
    expect(shown).toMatchObject({ ...network, dns_domain: null, 'provider:network_type': 'local', shared: false, 'router:external': false, tags: [], description: '', availability_zones: ['nova'] });
    expect(neutronNetwork({ ...network, 'provider:physical_network': 'physnet1' })['provider:network_type']).toBe('flat');
    expect(neutronNetwork({ ...network, 'provider:physical_network': 'physnet1', 'provider:network_type': 'vlan', 'provider:segmentation_id': 7 })).toMatchObject({ 'provider:network_type': 'vlan', 'provider:segmentation_id': 7 });
  });

  it("shows an agent's heartbeat as Neutron writes times", () => {
    expect(neutronTime('2026-12-07T06:04:52.123Z')).toBe('2026-12-07 06:04:52');
    expect(neutronTime(null)).toBeNull();
    const agent = { id: 'a', heartbeat_timestamp: '2026-12-07T06:04:52.000Z' } as AgentView;
    expect(neutronAgent(agent)).toMatchObject({ id: 'a', topic: 'dhcp_agent', heartbeat_timestamp: '2026-12-07 06:04:52' });
  });

  it("passes the handler's fields through, leaves out Neutron-only fields at their default and refuses the rest", () => {
    expect(handlerRequest('networks.create', { name: 'n', admin_state_up: true, 'router:external': false })).toEqual({ name: 'n', admin_state_up: true });
    expect(handlerRequest('ports.create', { network_id: 'n1', 'binding:vnic_type': 'normal', security_groups: [] })).toEqual({ network_id: 'n1' });
    expect(() => handlerRequest('networks.create', { name: 'n', 'router:external': true })).toThrow(/does not keep router:external/);
    expect(() => handlerRequest('ports.create', { network_id: 'n1', security_groups: ['default'] })).toThrow(/does not keep security_groups/);
    expect(() => handlerRequest('subnets.create', { network_id: 'n1', cidr: '198.18.0.0/24', colour: 'red' })).toThrow(/colour/);
  });

  it('passes the fields Leasehold keeps for clients through to the handler: description, tags, shared, port security, binding, address pairs', () => {
    expect(handlerRequest('networks.update', { description: 'hello', tags: ['a'], shared: true, port_security_enabled: false })).toEqual({ description: 'hello', tags: ['a'], shared: true, port_security_enabled: false });
    const port = { network_id: 'n1', 'binding:host_id': 'compute-1', 'binding:profile': { a: 1 }, allowed_address_pairs: [{ ip_address: '198.18.0.0/24' }], port_security_enabled: false };
    expect(handlerRequest('ports.create', port)).toEqual(port);
    expect(() => handlerRequest('subnets.create', { network_id: 'n1', cidr: '198.18.0.0/24', shared: true })).toThrow(/Unrecognized attribute\(s\) 'shared'/);
    expect(() => handlerRequest('subnets.create', { network_id: 'n1', cidr: '198.18.0.0/24', colour: 'red' })).toThrow(/colour/);
  });

  it('unwraps a body under its member, or refuses it', () => {
    expect(unwrap({ network: { name: 'x' } }, 'network')).toEqual({ name: 'x' });
    expect(() => unwrap({ name: 'x' }, 'network')).toThrow(/\{"network": \{\.\.\.\}\}/);
    expect(() => unwrap({ network: [] }, 'network')).toThrow();
    expect(() => unwrap(undefined, 'network')).toThrow();
  });
});
