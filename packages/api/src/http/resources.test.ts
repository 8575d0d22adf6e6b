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
    expect(handlerRequest('networks.create', { name: 'n', admin_state_up: true, shared: false, description: '', port_security_enabled: true })).toEqual({ name: 'n', admin_state_up: true });
    expect(handlerRequest('ports.create', { network_id: 'n1', 'binding:vnic_type': 'normal', security_groups: [] })).toEqual({ network_id: 'n1' });
    expect(() => handlerRequest('networks.create', { name: 'n', shared: true })).toThrow(/does not keep shared/);
    expect(() => handlerRequest('networks.update', { description: 'hello' })).toThrow(/does not keep description/);
    expect(() => handlerRequest('subnets.create', { network_id: 'n1', cidr: '198.18.0.0/24', colour: 'red' })).toThrow(/colour/);
  });

  it('unwraps a body under its member, or refuses it', () => {
    expect(unwrap({ network: { name: 'x' } }, 'network')).toEqual({ name: 'x' });
    expect(() => unwrap({ name: 'x' }, 'network')).toThrow(/\{"network": \{\.\.\.\}\}/);
    expect(() => unwrap({ network: [] }, 'network')).toThrow();
    expect(() => unwrap(undefined, 'network')).toThrow();
  });
});
