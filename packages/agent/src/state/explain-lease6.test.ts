import { testEvent } from '@leasehold/journal/testing';
import type { JournaledLease6Event } from '@leasehold/lease-actor';
import { aggregateSubject, type PortState } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { loadBalanceHash } from '../ha/load-balance.js';
import { AgentModel } from './agent-model.js';
import { answeringAgent6, lease6Cause, lease6Rule } from './explain-lease6.js';

const AT = 1_800_000_000_000;
/** DUID-LL of 02:00:db:08:00:07 (hardware type 1). */
const DUID = '0003000102' + '00db080007';
const MAC = '02:00:db:08:00:07';

/** A network with one stateful IPv6 subnet (pool ::100-::1ff), a static port, and the agent bound. */
function model(): { model: AgentModel; apply: (subject: string, type: string, data: unknown) => void } {
  const m = new AgentModel();
  let seq = 0;
  const apply = (subject: string, type: string, data: unknown) => m.apply({ seq: ++seq, subject, event: { ...testEvent('x', type, data), at: AT - 1000 } });
  const network = { id: 'net-6', name: 'six', adminStateUp: true, mtu: 1500, dnsDomain: 'six.test.', availabilityZoneHints: [], physicalNetwork: null };
  const subnet6 = { id: 's6', networkId: 'net-6', name: '', cidr: '2001:db8:6::/64', gatewayIp: '2001:db8:6::1', allocationPools: [{ first: '2001:db8:6::100', last: '2001:db8:6::1ff' }], dnsNameservers: [], hostRoutes: [], enableDhcp: true, ipv6AddressMode: 'dhcpv6-stateful', ipv6RaMode: null, leaseDuration: 600 };
  const port: PortState = { id: 'port-9', networkId: 'net-6', name: 'vm-9', macAddress: '02:00:db:08:00:09', fixedIps: [], fixedIps6: [{ subnetId: 's6', ipAddress: '2001:db8:6::9' }], dnsName: '', extraDhcpOpts: [], deviceOwner: 'compute:nova', deviceId: 'vm-9', adminStateUp: true };
  apply(aggregateSubject('network', 'net-6'), 'NetworkCreated', { network });
  apply(aggregateSubject('network', 'net-6'), 'Subnet6Created', { subnet: subnet6 });
  apply(aggregateSubject('port', 'port-9'), 'PortCreated', { port });
  return { model: m, apply };
}

const bound = (ip: string, extra: Partial<Extract<JournaledLease6Event, { type: 'Lease6Bound' }>> = {}) =>
  ({ type: 'Lease6Bound', at: AT, ip, duid: DUID, iaid: 7, mac: MAC, expiresAt: AT + 600_000, ...extra }) as Extract<JournaledLease6Event, { type: 'Lease6Bound' }>;

/** The address the decision core gives the test client from the pool: found by asking for it with no rule named. */
function poolAddress(m: AgentModel): string {
  const text = lease6Rule(m, 'net-6', bound('2001:db8:6::1fe')).text;
  return /would have given (\S+) \(pool\)/.exec(text)![1]!;
}

describe('why an IPv6 lease', () => {
  test("each event's cause names the client message that led to it, or the expiry pass", () => {
    expect(lease6Cause(bound('2001:db8:6::100', { message: 'request' }))).toMatch(/^the client's REQUEST/);
    expect(lease6Cause(bound('2001:db8:6::100'))).toMatch(/does not say which/);
    expect(lease6Cause({ type: 'Lease6Renewed', at: AT, ip: '2001:db8:6::100', duid: DUID, iaid: 7, expiresAt: AT, message: 'rebind' })).toMatch(/REBIND to any server.*binding extended/);
    expect(lease6Cause({ type: 'Lease6Released', at: AT, ip: '2001:db8:6::100', duid: DUID, iaid: 7 })).toMatch(/RELEASE/);
    expect(lease6Cause({ type: 'Lease6Expired', at: AT, ip: '2001:db8:6::100', expiresAt: AT })).toMatch(/expiry pass/);
  });

  test('the rule is derived by asking the decision core as it stood before the event: pool probe, hint, static port, and an address it would never give', () => {
    const { model: m } = model();
    const pooled = poolAddress(m);
    expect(lease6Rule(m, 'net-6', bound(pooled, { source: 'pool' }))).toEqual({ source: 'pool', text: `pool 2001:db8:6::100-2001:db8:6::1ff of subnet s6: the first free address probing the pool from the hash of the client's identity (${DUID}/7)` });
    // Written before events named their rule: the core's answer alone explains it.
    expect(lease6Rule(m, 'net-6', bound(pooled)).source).toBe('pool');
    // The usual dhclient flow: it REQUESTs the address it was advertised, which the pool probe gives it too.
    expect(lease6Rule(m, 'net-6', bound(pooled, { source: 'requested' })).text).toMatch(/the address the client named in its IA.*gives the same address by rule pool$/);
    const hinted = lease6Rule(m, 'net-6', bound('2001:db8:6::1fe', { source: 'requested' }));
    expect(hinted).toEqual({ source: 'requested', text: expect.stringMatching(new RegExp(`named in its IA .*; the decision core alone would have given ${pooled} \\(pool\\)$`)) });
    const fixed = lease6Rule(m, 'net-6', { ...bound('2001:db8:6::9', { source: 'fixed' }), duid: '000300010200db080009', mac: '02:00:db:08:00:09' });
    expect(fixed).toEqual({ source: 'fixed', text: expect.stringMatching(/^fixed address of port port-9 \(vm-9\) with MAC 02:00:db:08:00:09/) });
    const stray = lease6Rule(m, 'net-6', bound('2001:db8:6::5', { source: 'pool' }));
    expect(stray.source).toBe('unknown');
    expect(stray.text).toMatch(/would not give 2001:db8:6::5 to this IA .*the event says pool/);
  });

  test("an IA's renewal of its binding is the rule current; a network without a DHCPv6 subnet cannot be asked, and says so", () => {
    const { model: m, apply } = model();
    const pooled = poolAddress(m);
    apply(`lh.evt.lease6.net-6.${pooled}`, 'Lease6Bound', { ip: pooled, duid: DUID, iaid: 7, expiresAt: AT + 1 });
    expect(lease6Rule(m, 'net-6', bound(pooled, { source: 'current' })).text).toMatch(/the IA's own binding/);
    expect(lease6Rule(new AgentModel(), 'net-6', bound(pooled))).toEqual({ source: 'unknown', text: expect.stringMatching(/no DHCPv6 subnet before this event/) });
  });

  test('with two live agents, the one the RFC 3074 split of the DUID gives answered', () => {
    const { model: m, apply } = model();
    for (const agentId of ['agent-a', 'agent-b']) {
      apply(aggregateSubject('binding', 'net-6'), 'NetworkScheduled', { networkId: 'net-6', agentId, reason: 'manual' });
      apply(aggregateSubject('agent', agentId), 'AgentHeartbeat', { agentId, host: agentId, availabilityZone: 'nova', networks: ['net-6'], load: 1, interfaceMappings: {}, reportIntervalMs: 30_000, version: 't' });
    }
    const agent = answeringAgent6(m, 'net-6', 99, AT, bound('2001:db8:6::100'), 75_000);
    expect(agent.id).toBe(['agent-a', 'agent-b'][loadBalanceHash(Buffer.from(DUID, 'hex')) % 2]);
    expect(agent.text).toMatch(/answered the client's SOLICIT/);
  });
});
