import { Lease6Table, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { parseIpv4 as v4, type NetworkState, type PortState } from '@leasehold/protocol';
import { DHCP_DEVICE_OWNER } from '@leasehold/resources';
import { fc, test as propTest } from '@fast-check/vitest';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { LeaseHostnames, LocalDnsRecords, localNameRecords } from './dns-records.js';
import { ServedNetworks } from './served-networks.js';
import type { ModelChange } from './state/agent-model.js';

/** A model that only notifies: the listeners the index and the records register. */
function notifier() {
  const listeners = new Set<(change: ModelChange) => void>();
  return {
    onChange: (listener: (change: ModelChange) => void) => (listeners.add(listener), () => void listeners.delete(listener)),
    emit: (change: ModelChange) => listeners.forEach((l) => l(change)),
    listeners,
  };
}

const lease = (networkId: string, event: Partial<JournaledLeaseEvent> & Pick<JournaledLeaseEvent, 'type'>): ModelChange =>
  ({ kind: 'lease', networkId, event: { ip: v4('198.18.0.10'), mac: '52:54:00:00:00:01', at: 0, expiresAt: 1, renewAt: 1, rebindAt: 1, ...event } }) as ModelChange;

/** A network's IPv6 lease table holding `leases` ([address, host name or undefined]). */
function leases6(networkId: string, leases: readonly (readonly [string, string | undefined])[] = []): Lease6Table {
  const table = new Lease6Table(networkId, 0);
  leases.forEach(([ip, hostname], i) => table.apply({ type: 'Lease6Bound', at: 0, ip, duid: '0003000102000000000a', iaid: i, expiresAt: 1, ...(hostname ? { hostname } : {}) }));
  return table;
}

const port = (dnsName: string, ip: string, deviceOwner = 'compute:nova') => ({ dnsName, deviceOwner, fixedIps: [{ subnetId: 's', ipAddress: v4(ip) }] }) as unknown as PortState;

describe('the host names clients sent', () => {
  test('are kept per network and address from lease changes: a bind or renewal with a name sets it, a renewal without keeps it, anything else drops it', () => {
    const model = notifier();
    const names = new LeaseHostnames(model);
    model.emit(lease('n1', { type: 'LeaseBound', hostname: 'vm1' }));
    model.emit(lease('n1', { type: 'LeaseRenewed' }));
    expect([...names.of('n1')]).toStrictEqual([[v4('198.18.0.10'), 'vm1']]);
    model.emit(lease('n1', { type: 'LeaseRenewed', hostname: 'vm1b' }));
    expect([...names.of('n1')]).toStrictEqual([[v4('198.18.0.10'), 'vm1b']]);
    model.emit(lease('n1', { type: 'LeaseReleased' }));
    expect(names.of('n1').size).toBe(0);
    expect(names.of('n2').size).toBe(0);
    names.stop();
    expect(model.listeners.size).toBe(0);
  });
});

describe('the local DNS records', () => {
  const networks = new Map([['n1', { dnsDomain: 'example.org.' } as NetworkState], ['n2', { dnsDomain: '' } as NetworkState]]);
  const ports = new Map([['n1', [port('web', '198.18.0.5'), port('', '198.18.0.6'), port('', '198.18.0.2', DHCP_DEVICE_OWNER)]], ['n2', [port('db', '198.18.1.5')]]]);
  const model = { network: (id: string) => networks.get(id), portsOf: (id: string) => ports.get(id) ?? [], lease6Table: (id: string) => leases6(id) };
  const hostnames = {
    of: (id: string) =>
      new Map(
        id === 'n1'
          ? [[v4('198.18.0.10'), 'vm1'], [v4('198.18.0.11'), 'web'], [v4('198.18.0.12'), 'vm1']]
          : [[v4('198.18.1.10'), 'vm2']],
      ),
  };

  test("are kept per served network: its port names, Neutron's host-a-b-c-d for a port without one (DHCP ports aside) and its lease host names under its domain, a port's name winning over a client's", () => {
    expect(localNameRecords(model, hostnames, ['n1'])).toStrictEqual(
      new Map([
        [
          'n1',
          new Map([
            ['web.example.org', [v4('198.18.0.5')]],
            ['host-198-18-0-6.example.org', [v4('198.18.0.6')]],
            ['vm1.example.org', [v4('198.18.0.10'), v4('198.18.0.12')]],
          ]),
        ],
      ]),
    );
    const both = localNameRecords(model, hostnames, ['n1', 'n2']);
    expect([...both.keys()]).toStrictEqual(['n1', 'n2']);
    expect(both.get('n1')).toStrictEqual(localNameRecords(model, hostnames, ['n1']).get('n1'));
  });

  test('a port\'s IPv6 addresses join its name (AAAA beside A); a port without a dns_name gets Neutron\'s host-<address> name for each, colons as dashes', () => {
    const dual = { ...port('vm6', '198.18.0.20'), fixedIps6: [{ subnetId: 's6', ipAddress: '2001:db8:1:0:f816:3eff:fe00:1' }] } as PortState;
    const bare = { ...port('', '198.18.0.21'), fixedIps6: [{ subnetId: 's6', ipAddress: '2001:db8:1::21' }] } as PortState;
    const v6model = { network: () => ({ dnsDomain: 'example.org.' }) as NetworkState, portsOf: () => [dual, bare], lease6Table: leases6 };
    expect(localNameRecords(v6model, { of: () => new Map() }, ['n1']).get('n1')).toStrictEqual(
      new Map<string, (number | string)[]>([
        ['vm6.example.org', [v4('198.18.0.20'), '2001:db8:1:0:f816:3eff:fe00:1']],
        ['host-198-18-0-21.example.org', [v4('198.18.0.21')]],
        ['host-2001-db8-1--21.example.org', ['2001:db8:1::21']],
      ]),
    );
  });

  test("a DHCPv6 client's FQDN host name names its leased address (AAAA, and so its ip6.arpa PTR) on its own network only; a port's name wins; a lease without a name adds none", () => {
    const web = { ...port('web', '198.18.0.5'), fixedIps6: [{ subnetId: 's6', ipAddress: '2001:db8:1::5' }] } as PortState;
    const tables = new Map([['n1', leases6('n1', [['2001:db8:1::1a0', 'vm6'], ['2001:db8:1::1a1', 'web'], ['2001:db8:1::1a2', undefined]])], ['n2', leases6('n2', [['2001:db8:2::1a0', 'other']])]]);
    const m = { network: (id: string) => networks.get(id), portsOf: (id: string) => (id === 'n1' ? [web] : []), lease6Table: (id: string) => tables.get(id)! };
    const records = localNameRecords(m, { of: () => new Map() }, ['n1', 'n2']);
    expect(records.get('n1')).toStrictEqual(
      new Map<string, (number | string)[]>([
        ['web.example.org', [v4('198.18.0.5'), '2001:db8:1::5'] ],
        ['vm6.example.org', ['2001:db8:1::1a0']],
      ]),
    );
    expect(records.get('n2')).toStrictEqual(new Map([['other.openstacklocal', ['2001:db8:2::1a0']]]));
  });

  test('a network without a dns_domain has its names under the configured default domain, openstacklocal unless set', () => {
    expect([...localNameRecords(model, hostnames, ['n2']).get('n2')!.keys()]).toStrictEqual(['db.openstacklocal', 'vm2.openstacklocal']);
    expect([...localNameRecords(model, hostnames, ['n2'], 'cloud.internal.').get('n2')!.keys()]).toStrictEqual(['db.cloud.internal', 'vm2.cloud.internal']);
  });

  // Networks with random ports and lease host names, often the same names and addresses in several networks.
  const label = fc.constantFrom('vm1', 'vm2', 'web', 'db', '');
  const ip = fc.integer({ min: 1, max: 6 }).map((d) => `198.18.0.${d}`);
  const networkArb = fc.record({ ports: fc.array(fc.tuple(label, ip), { maxLength: 4 }), leases: fc.array(fc.tuple(ip, label.filter(Boolean)), { maxLength: 4 }) });
  propTest.prop([fc.array(networkArb, { minLength: 2, maxLength: 4 })])("a network's names depend only on its own ports and leases: serving other networks beside it adds and changes nothing in its view", (nets) => {
    const ids = nets.map((_, i) => `n${i}`);
    const m = {
      network: (id: string) => ({ dnsDomain: `${id}.example.` }) as NetworkState,
      portsOf: (id: string) => nets[ids.indexOf(id)]!.ports.map(([name, addr]) => port(name, addr)),
      lease6Table: (id: string) => leases6(id, nets[ids.indexOf(id)]!.leases.map(([addr, name]) => [`2001:db8::${addr.split('.')[3]}`, name] as const)),
    };
    const h = { of: (id: string) => new Map(nets[ids.indexOf(id)]!.leases.map(([addr, name]) => [v4(addr), name])) };
    const all = localNameRecords(m, h, ids);
    for (const id of ids) {
      expect(all.get(id)).toStrictEqual(localNameRecords(m, h, [id]).get(id));
      for (const name of all.get(id)!.keys()) expect(name.endsWith(`.${id}.example`)).toBe(true);
    }
  });

  afterEach(() => vi.useRealTimers());

  test('are rebuilt once, 20 ms after the last change, for the networks served then; a failing rebuild is logged and ends nothing', () => {
    vi.useFakeTimers();
    const changes = notifier();
    const served = new ServedNetworks();
    const set: string[][] = [];
    let fail = false;
    const dns = {
      setRecords: (records: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>) => {
        if (fail) throw new Error('bad name');
        set.push([...records].flatMap(([id, names]) => [...names.keys()].map((name) => `${id}: ${name}`)));
      },
    };
    const lines: string[] = [];
    const records = new LocalDnsRecords({ model: { ...model, onChange: changes.onChange }, hostnames, served, dns, log: (l) => lines.push(l) });
    changes.emit({ kind: 'network', networkId: 'n1' });
    expect(changes.listeners.size).toBe(0);
    records.followChanges();
    served.replace(new Map([['n2', { networkId: 'n2', ifname: 'eth2', serverIps: new Map() }]]));
    for (let i = 0; i < 5; i++) {
      changes.emit({ kind: 'network', networkId: 'n2' });
      vi.advanceTimersByTime(15);
    }
    expect(set).toStrictEqual([]);
    vi.advanceTimersByTime(5);
    expect(set).toStrictEqual([['n2: db.openstacklocal', 'n2: vm2.openstacklocal']]);
    fail = true;
    records.refresh();
    vi.advanceTimersByTime(20);
    expect(lines).toStrictEqual(['dns: cannot refresh the local names: bad name']);
    records.refresh();
    records.stop();
    vi.advanceTimersByTime(100);
    expect(lines).toHaveLength(1);
    expect(changes.listeners.size).toBe(0);
  });
});
