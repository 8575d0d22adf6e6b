import { describe, expect, test } from 'vitest';
import { testEvent } from '@leasehold/journal/testing';
import { aggregateSubject, parseIpv4 as v4, type PortState } from '@leasehold/protocol';
import { AgentModel } from './agent-model.js';

const port = (changes: Partial<PortState>): PortState => ({
  id: 'port-1',
  networkId: 'net-a',
  name: '',
  macAddress: 'fa:16:3e:00:00:01',
  fixedIps: [],
  dnsName: '',
  extraDhcpOpts: [],
  deviceOwner: 'compute:nova',
  deviceId: 'vm-1',
  adminStateUp: true,
  ...changes,
});

describe('regression: a second PortCreated for a port id', () => {
  test('replaces the port everywhere: no index keeps the old port, and its fixed address is released', () => {
    const model = new AgentModel();
    let seq = 0;
    const apply = (subject: string, type: string, data: unknown) => model.apply({ seq: ++seq, subject, event: testEvent('x', type, data) });
    const network = { id: 'net-a', name: 'a', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null };
    apply(aggregateSubject('network', 'net-a'), 'NetworkCreated', { network });
    apply(aggregateSubject('port', 'port-1'), 'PortCreated', { port: port({ fixedIps: [{ subnetId: 's', ipAddress: v4('198.18.0.5') }] }) });
    expect(model.table('net-a')?.configuration().fixed).toEqual([{ mac: 'fa:16:3e:00:00:01', ip: v4('198.18.0.5') }]);
    apply(aggregateSubject('port', 'port-1'), 'PortCreated', { port: port({ macAddress: 'fa:16:3e:00:00:02', fixedIps: [] }) });
    expect(model.portByMac('net-a', 'fa:16:3e:00:00:01')).toBeUndefined();
    expect([...model.portsOf('net-a')].map((p) => p.macAddress)).toEqual(['fa:16:3e:00:00:02']);
    expect(model.table('net-a')?.configuration().fixed).toEqual([]);
  });
});
