import { fc, test } from '@fast-check/vitest';
import { decodeEvent, encodeEvent, type EventEnvelope, type NetworkState, type SubnetState } from '@leasehold/protocol';
import { describe, expect, it } from 'vitest';
import { schedulerConfig } from './config.js';
import { decide } from './decide.js';
import { agentSubject, bindingSubject, toAgentEnvelope, toBindingEnvelope, type AgentEvent, type BindingEvent } from '@leasehold/resources';
import { schedulerEvent } from './envelope.js';
import { SchedulerEventShapeError } from './errors.js';
import { schedulerEventRegistry } from './events.js';
import { replay } from './state.js';
import { heartbeat, network } from './testing.js';

const T0 = 1_000_000;
/** What the scheduler folds and writes of its own aggregates: agents' events and binding decisions, built with resources' builders. */
type JournaledSchedulerEvent = AgentEvent | BindingEvent;
const toEnvelope = (event: JournaledSchedulerEvent, ids: { id: string }) =>
  event.type === 'NetworkScheduled' || event.type === 'NetworkUnscheduled' ? toBindingEnvelope(event, ids) : toAgentEnvelope(event, ids);
const through = (event: JournaledSchedulerEvent) => schedulerEvent(decodeEvent(encodeEvent(toEnvelope(event, { id: 'e1' })), schedulerEventRegistry));

describe('scheduler envelopes', () => {
  const id = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
  const journaled: fc.Arbitrary<JournaledSchedulerEvent> = fc.oneof(
    fc.record({ agentId: id, at: fc.nat(), zone: id, load: fc.nat(), networks: fc.array(id, { maxLength: 3 }) }).map(({ agentId, at, zone, load, networks }) => heartbeat(agentId, at, { zone, load, networks })),
    fc.record({ type: fc.constant('AgentDeleted' as const), at: fc.nat(), agentId: id }),
    fc.record({ type: fc.constant('AgentAdminStateChanged' as const), at: fc.nat(), agentId: id, adminStateUp: fc.boolean() }),
    fc.record({ type: fc.constant('NetworkScheduled' as const), at: fc.nat(), networkId: id, agentId: id, reason: fc.constantFrom('new-network' as const, 'manual' as const, 'rebalance' as const) }),
    fc.record({ type: fc.constant('NetworkUnscheduled' as const), at: fc.nat(), networkId: id, agentId: id, reason: fc.constantFrom('agent-down' as const, 'network-deleted' as const, 'manual' as const) }),
  );

  test.prop([journaled])('every agent and binding event survives the envelope codec unchanged', (event) => {
    expect(through(event)).toEqual(event);
  });

  it('carries decisions with their inputs through the codec, on the binding subject of their network', () => {
    const config = schedulerConfig({ strategy: 'chance', seed: 3 });
    const state = replay([heartbeat('a0', T0), heartbeat('a1', T0), ...network('net-1', T0)], config);
    const [decision] = decide(state, T0, config);
    expect(decision).toBeDefined();
    if (!decision) return;
    expect(through(decision)).toEqual(decision);
    expect(bindingSubject(decision.networkId)).toBe('lh.evt.binding.net-1');
    expect(toEnvelope(decision, { id: 'x' }).aggregate).toBe('binding/net-1');
    expect(agentSubject(heartbeat('a0', T0).agentId)).toBe('lh.evt.agent.a0');
  });

  it("reads the API's network and subnet events as the few fields scheduling needs", () => {
    const net: NetworkState = { id: 'net-1', name: 'n', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: ['az1'], physicalNetwork: null };
    const subnet: SubnetState = {
      id: 'sub-1',
      networkId: 'net-1',
      name: '',
      cidr: { address: 0xc6120000, prefix: 24 },
      gatewayIp: null,
      allocationPools: [],
      dynamicPools: [],
      dnsNameservers: [],
      hostRoutes: [],
      enableDhcp: true,
      leaseDuration: 86_400,
    };
    const env = (type: string, data: unknown): EventEnvelope => ({ type, v: 1, id: 'x', aggregate: 'network/net-1', at: T0, data });
    expect(schedulerEvent(env('NetworkCreated', { network: net }))).toEqual({ type: 'NetworkCreated', at: T0, networkId: 'net-1', availabilityZoneHints: ['az1'], physicalNetwork: null });
    expect(schedulerEvent(env('NetworkCreated', { network: { ...net, physicalNetwork: 'physnet1' } }))).toMatchObject({ physicalNetwork: 'physnet1' });
    expect(schedulerEvent(env('NetworkUpdated', { changes: { name: 'x' } }))).toEqual({ type: 'NetworkUpdated', at: T0, networkId: 'net-1' });
    expect(schedulerEvent(env('NetworkUpdated', { changes: { physicalNetwork: 'physnet2' } }))).toEqual({ type: 'NetworkUpdated', at: T0, networkId: 'net-1', physicalNetwork: 'physnet2' });
    expect(schedulerEvent(env('SubnetCreated', { subnet }))).toEqual({ type: 'SubnetCreated', at: T0, networkId: 'net-1', subnetId: 'sub-1', enableDhcp: true });
    expect(schedulerEvent(env('SubnetUpdated', { subnetId: 'sub-1', changes: { enableDhcp: false } }))).toEqual({
      type: 'SubnetUpdated',
      at: T0,
      networkId: 'net-1',
      subnetId: 'sub-1',
      enableDhcp: false,
    });
    expect(schedulerEvent(env('SubnetDeleted', { subnetId: 'sub-1' }))).toEqual({ type: 'SubnetDeleted', at: T0, networkId: 'net-1', subnetId: 'sub-1' });
    expect(schedulerEvent(env('NetworkDeleted', {}))).toEqual({ type: 'NetworkDeleted', at: T0, networkId: 'net-1' });
    expect(schedulerEvent(env('PortCreated', {}))).toBeUndefined();
    // An IPv6 subnet with DHCP needs an agent as an IPv4 one does: the scheduler reads it as a subnet.
    const subnet6 = { id: 'sub-6', networkId: 'net-1', name: '', cidr: '2001:db8:1::/64', gatewayIp: '2001:db8:1::1', allocationPools: [], dnsNameservers: [], hostRoutes: [], enableDhcp: true, ipv6AddressMode: 'slaac', ipv6RaMode: 'slaac', leaseDuration: 86_400 };
    expect(schedulerEvent(env('Subnet6Created', { subnet: subnet6 }))).toEqual({ type: 'SubnetCreated', at: T0, networkId: 'net-1', subnetId: 'sub-6', enableDhcp: true });
    expect(schedulerEvent(env('Subnet6Updated', { subnetId: 'sub-6', changes: { enableDhcp: false } }))).toEqual({ type: 'SubnetUpdated', at: T0, networkId: 'net-1', subnetId: 'sub-6', enableDhcp: false });
    expect(schedulerEvent(env('Subnet6Updated', { subnetId: 'sub-6', changes: { name: 'x' } }))).toEqual({ type: 'SubnetUpdated', at: T0, networkId: 'net-1', subnetId: 'sub-6' });
  });

  it('refuses an event whose data lacks what its type needs, with a DecodeError naming the field', () => {
    const bad: EventEnvelope = { type: 'AgentHeartbeat', v: 1, id: 'x', aggregate: 'agent/a0', at: T0, data: { agentId: 'a0' } };
    expect(() => schedulerEvent(bad)).toThrow(SchedulerEventShapeError);
    expect(() => schedulerEvent(bad)).toThrow(/host/);
    expect(() => schedulerEvent({ ...bad, type: 'NetworkUnscheduled', data: { networkId: 'n', agentId: 'a', reason: 'bored' } })).toThrow(/reason/);
    expect(() => schedulerEvent({ ...bad, type: 'SubnetDeleted', aggregate: 'port/p1', data: { subnetId: 's' } })).toThrow(/aggregate/);
    expect(() => schedulerEvent({ ...bad, data: null })).toThrow(SchedulerEventShapeError);
    expect(() => schedulerEvent({ ...bad, v: 2 })).toThrow(/not a schema version this build reads/);
  });

  it("takes a network event's network from its subject when given one, as every projection does", () => {
    const event: EventEnvelope = { type: 'NetworkDeleted', v: 1, id: 'x', aggregate: 'network/other', at: T0, data: {} };
    expect(schedulerEvent(event, 'lh.evt.network.net-1')).toEqual({ type: 'NetworkDeleted', at: T0, networkId: 'net-1' });
    expect(schedulerEvent({ ...event, type: 'toString' })).toBeUndefined();
  });
});
