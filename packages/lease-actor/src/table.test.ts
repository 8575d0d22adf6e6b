import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { LeaseConfigError } from './errors.js';
import { leaseTimes, type ClientRef, type LeaseBound, type LeaseEvent } from './events.js';
import { LeaseTable, type LeaseTableConfig } from './table.js';
import { parseIpv4 as ipToUint } from '@leasehold/protocol';

const v4 = ipToUint;
const A: ClientRef = { mac: 'aa:00:00:00:00:01' };
const B: ClientRef = { mac: 'aa:00:00:00:00:02', clientId: '01aa0000000002' };
const C: ClientRef = { mac: 'aa:00:00:00:00:03' };

const config: LeaseTableConfig = {
  networkId: 'net-1',
  pools: [{ first: v4('198.18.0.10'), last: v4('198.18.0.19'), subnetId: 'sub-a' }],
  excluded: [v4('198.18.0.10')],
  fixed: [{ mac: 'fa:16:3e:00:00:01', ip: v4('198.18.0.2') }],
  offerTtlMs: 10,
  declineQuarantineMs: 1000,
};

const bind = (client: ClientRef, ip: number, at: number, lease = 100): LeaseBound => ({
  type: 'LeaseBound', ip, ...client, at, ...leaseTimes(at, lease),
});

/** DISCOVER then REQUEST, as the agent does: offer, check, apply. */
function dora(table: LeaseTable, client: ClientRef, now: number, requestedIp?: number): number {
  const { allocation } = table.offer({ ...client, now, ...(requestedIp !== undefined ? { requestedIp } : {}) });
  if (!allocation.ok) throw new Error(allocation.reason);
  const event = bind(client, allocation.ip, now);
  expect(table.check(event)).toBeUndefined();
  expect(table.apply(event)).toBeUndefined();
  return allocation.ip;
}

describe('lease table: fixed and excluded addresses', () => {
  test("a port's MAC always gets its fixed address, whatever it asks for", () => {
    const table = new LeaseTable(config);
    const allocation = table.allocate({ mac: 'fa:16:3e:00:00:01', requestedIp: v4('198.18.0.15'), now: 0 });
    expect(allocation).toEqual({ ok: true, ip: v4('198.18.0.2'), source: 'fixed' });
  });

  test('a fixed address inside a pool is never given to another client, and binding it for another MAC is refused', () => {
    const table = new LeaseTable({ ...config, fixed: [{ mac: 'fa:16:3e:00:00:01', ip: v4('198.18.0.12') }] });
    const given = new Set<number>();
    for (let i = 0; i < 8; i++) given.add(dora(table, { mac: `aa:00:00:00:01:${i}` }, 0));
    expect(given.has(v4('198.18.0.12'))).toBe(false);
    expect(given.has(v4('198.18.0.10'))).toBe(false);
    expect(table.allocate({ mac: 'aa:00:00:00:02:00', now: 0 })).toEqual({ ok: false, reason: 'pool-exhausted' });
    expect(table.check(bind(A, v4('198.18.0.12'), 0))?.reason).toBe('reserved');
    expect(table.check(bind({ mac: 'fa:16:3e:00:00:01' }, v4('198.18.0.12'), 0))).toBeUndefined();
  });

  test('excluded addresses and addresses outside every pool cannot be bound dynamically', () => {
    const table = new LeaseTable(config);
    expect(table.check(bind(A, v4('198.18.0.10'), 0))?.reason).toBe('reserved');
    expect(table.check(bind(A, v4('198.18.0.50'), 0))?.reason).toBe('reserved');
  });

  test('two ports cannot share one fixed address', () => {
    const table = new LeaseTable(config);
    expect(() => table.setFixed('fa:16:3e:00:00:09', v4('198.18.0.2'))).toThrow(LeaseConfigError);
  });

  test('a port removed frees its pool address for dynamic use', () => {
    const table = new LeaseTable({ ...config, pools: [{ first: v4('198.18.0.10'), last: v4('198.18.0.11') }], fixed: [{ mac: 'fa:16:3e:00:00:01', ip: v4('198.18.0.11') }] });
    expect(table.allocate({ ...A, now: 0 }).ok).toBe(false);
    table.removeFixed('fa:16:3e:00:00:01');
    expect(table.allocate({ ...A, now: 0 })).toEqual({ ok: true, ip: v4('198.18.0.11'), source: 'pool' });
  });

  test('in static mode (no pools) an unknown MAC gets nothing', () => {
    const table = new LeaseTable({ networkId: 'n', fixed: [{ mac: 'fa:16:3e:00:00:01', ip: v4('198.18.0.2') }] });
    expect(table.allocate({ ...A, now: 0 })).toEqual({ ok: false, reason: 'pool-exhausted' });
  });
});

describe('lease table: stable preference', () => {
  test('a client that DISCOVERs again is offered the same address', () => {
    const table = new LeaseTable(config);
    const first = table.offer({ ...A, now: 0 }).allocation;
    expect(table.offer({ ...A, now: 1 }).allocation).toEqual({ ...first, source: 'offered' });
  });

  test('a client that holds a lease is given it back, with no new offer', () => {
    const table = new LeaseTable(config);
    const ip = dora(table, A, 0);
    expect(table.offer({ ...A, now: 5, requestedIp: v4('198.18.0.18') })).toEqual({ allocation: { ok: true, ip, source: 'current' } });
  });

  test('a client gets back the address it had before, after releasing it', () => {
    const table = new LeaseTable(config);
    const ip = dora(table, A, 0);
    table.apply({ type: 'LeaseReleased', ip, ...A, at: 5 });
    dora(table, B, 6);
    expect(table.allocate({ ...A, now: 7 })).toEqual({ ok: true, ip, source: 'previous' });
  });

  test('a client that declined an address is not steered back to it', () => {
    const table = new LeaseTable({ ...config, declineQuarantineMs: 0 });
    const ip = dora(table, A, 0);
    table.apply(table.declineEvent(A, ip, 5));
    const next = table.allocate({ ...A, now: 6 });
    expect(next.ok && next.source).toBe('pool');
    expect(table.leaseOf(A, 6)).toBeUndefined();
  });

  test('a requested address is granted when free and in the pool, and ignored otherwise', () => {
    const table = new LeaseTable(config);
    expect(table.allocate({ ...A, requestedIp: v4('198.18.0.17'), now: 0 })).toEqual({ ok: true, ip: v4('198.18.0.17'), source: 'requested' });
    dora(table, B, 0, v4('198.18.0.17'));
    const other = table.allocate({ ...A, requestedIp: v4('198.18.0.17'), now: 1 });
    expect(other.ok && other.ip !== v4('198.18.0.17') && other.source === 'pool').toBe(true);
    expect(table.allocate({ ...A, requestedIp: v4('198.18.0.10'), now: 1 })).toMatchObject({ source: 'pool' });
    expect(table.allocate({ ...A, requestedIp: 2 ** 40, now: 1 })).toMatchObject({ source: 'pool' });
  });

  test.prop([fc.array(fc.nat(9), { maxLength: 6 }), fc.string({ minLength: 1, maxLength: 12 })])(
    'a new client is given the same address by any two tables in the same state',
    (taken, mac) => {
      const events: LeaseEvent[] = taken.map((t, i) => bind({ mac: `bb:${i}` }, v4("198.18.0.10") + t, i));
      const one = LeaseTable.fold(config, events);
      const two = LeaseTable.fold(config, events);
      expect(one.allocate({ mac, now: 50 })).toEqual(two.allocate({ mac, now: 50 }));
    },
  );

  test('an address is only chosen from the pools of the subnet the request came from', () => {
    const table = new LeaseTable({
      networkId: 'n',
      pools: [
        { first: v4('198.18.0.10'), last: v4('198.18.0.19'), subnetId: 'a' },
        { first: v4('198.18.1.10'), last: v4('198.18.1.19'), subnetId: 'b' },
      ],
    });
    const ip = dora(table, A, 0);
    const inB = table.allocate({ ...A, subnetId: 'b', now: 1 });
    expect(inB.ok && inB.ip >= v4('198.18.1.10') && inB.ip <= v4('198.18.1.19')).toBe(true);
    expect(table.allocate({ ...A, subnetId: 'b', requestedIp: ip, now: 1 })).toMatchObject({ source: 'pool' });
  });
});

describe('lease table: pool bounds', () => {
  test.prop([fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 40 }), fc.array(fc.nat(19), { maxLength: 5 })])(
    'offers to many clients at once are distinct, inside the pool, never excluded, and stop when the pool is used up',
    (size, clients, excludedOffsets) => {
      const first = v4('198.19.9.0');
      const excluded = [...new Set(excludedOffsets.filter((o) => o < size).map((o) => first + o))];
      const table = new LeaseTable({ networkId: 'n', pools: [{ first, last: first + size - 1 }], excluded });
      const offered = [];
      for (let i = 0; i < clients; i++) {
        const { allocation } = table.offer({ mac: `cc:${i}`, now: 0 });
        if (allocation.ok) offered.push(allocation.ip);
      }
      expect(offered).toHaveLength(Math.min(clients, size - excluded.length));
      expect(new Set(offered).size).toBe(offered.length);
      for (const ip of offered) {
        expect(ip >= first && ip < first + size).toBe(true);
        expect(excluded).not.toContain(ip);
      }
    },
  );
});

describe('lease table: time', () => {
  test('an offer holds its address against other clients until it lapses', () => {
    const table = new LeaseTable({ ...config, pools: [{ first: v4('198.18.0.10'), last: v4('198.18.0.11') }] });
    expect(table.offer({ ...A, now: 0 }).allocation).toMatchObject({ ok: true, ip: v4('198.18.0.11') });
    expect(table.allocate({ ...B, now: 9 })).toEqual({ ok: false, reason: 'pool-exhausted' });
    expect(table.allocate({ ...B, now: 10 })).toEqual({ ok: true, ip: v4('198.18.0.11'), source: 'pool' });
  });

  test('expired(now) lists due leases earliest first, and their addresses are allocatable once applied', () => {
    const table = new LeaseTable({ ...config, pools: [{ first: v4('198.18.0.10'), last: v4('198.18.0.12') }] });
    table.apply(bind(A, v4('198.18.0.11'), 0, 50));
    table.apply(bind(C, v4('198.18.0.12'), 0, 40));
    expect(table.expired(39)).toEqual([]);
    expect(table.allocate({ ...B, now: 45 })).toEqual({ ok: false, reason: 'pool-exhausted' });
    const due = table.expired(60);
    expect(due).toEqual([
      { type: 'LeaseExpired', ip: v4('198.18.0.12'), at: 60, expiresAt: 40 },
      { type: 'LeaseExpired', ip: v4('198.18.0.11'), at: 60, expiresAt: 50 },
    ]);
    expect(table.expired(60)).toEqual(due);
    for (const event of due) expect(table.apply(event)).toBeUndefined();
    expect(table.expired(1000)).toEqual([]);
    expect(table.freeCount()).toBe(2);
    expect(table.lease(v4('198.18.0.11'), 60)).toMatchObject({ status: 'expired', client: A });
  });

  test('a renewed lease is not reported expired at its old end', () => {
    const table = new LeaseTable(config);
    table.apply(bind(A, v4('198.18.0.11'), 0, 50));
    table.apply({ type: 'LeaseRenewed', ip: v4('198.18.0.11'), ...A, at: 30, ...leaseTimes(30, 50) });
    expect(table.expired(60)).toEqual([]);
    expect(table.expired(80)).toHaveLength(1);
  });

  test('a declined address is not allocated before its quarantine ends', () => {
    const table = new LeaseTable({ ...config, pools: [{ first: v4('198.18.0.10'), last: v4('198.18.0.11') }] });
    const ip = dora(table, A, 0);
    const declined = table.declineEvent(A, ip, 5, 'address in use');
    expect(declined.quarantineUntil).toBe(1005);
    expect(table.check(declined)).toBeUndefined();
    table.apply(declined);
    expect(table.allocate({ ...B, now: 1004 })).toEqual({ ok: false, reason: 'pool-exhausted' });
    expect(table.allocate({ ...A, now: 1004 })).toEqual({ ok: false, reason: 'pool-exhausted' });
    expect(table.allocate({ ...B, now: 1005 })).toEqual({ ok: true, ip, source: 'pool' });
    expect(table.lease(ip, 1005)).toBeUndefined();
  });

  test('a lease view shows renewing after T1 and rebinding after T2', () => {
    const table = new LeaseTable(config);
    const ip = dora(table, A, 0);
    expect(table.lease(ip, 10)?.status).toBe('bound');
    expect(table.leaseOf(A, 50)?.status).toBe('renewing');
    expect(table.leaseOf(A, 90)).toMatchObject({ status: 'rebinding', ip });
  });
});

describe('changing the pools', () => {
  test('a table given new pools allocates from them and keeps the leases it holds', () => {
    const table = new LeaseTable({ networkId: 'n' });
    expect(table.allocate({ ...A, now: 1 }).ok).toBe(false);
    table.setPools([{ first: v4('198.18.0.10'), last: v4('198.18.0.11') }]);
    const first = table.allocate({ ...A, now: 1 });
    expect(first).toMatchObject({ ok: true });
    table.apply(bind(A, (first as { ip: number }).ip, 1));
    table.setPools([{ first: v4('198.18.0.10'), last: v4('198.18.0.12') }]);
    expect(table.freeCount()).toBe(2);
    expect(table.allocate({ ...A, now: 2 })).toMatchObject({ ok: true, ip: (first as { ip: number }).ip, source: 'current' });
  });

  test('an address left outside the new pools can no longer be renewed', () => {
    const table = new LeaseTable({ networkId: 'n', pools: [{ first: v4('198.18.0.10'), last: v4('198.18.0.10') }] });
    table.apply(bind(A, v4('198.18.0.10'), 1));
    table.setPools([{ first: v4('198.18.0.20'), last: v4('198.18.0.20') }]);
    const renew = { ...bind(A, v4('198.18.0.10'), 2), type: 'LeaseRenewed' as const };
    expect(table.check(renew)).toBeDefined();
    expect(table.allocate({ ...B, now: 2 })).toMatchObject({ ok: true, ip: v4('198.18.0.20') });
  });
});

describe('pool-starvation defence', () => {
  const small: LeaseTableConfig = { networkId: 'n', pools: [{ first: v4('198.18.0.10'), last: v4('198.18.0.11') }], offerTtlMs: 60_000, offerReclaimMs: 2_000 };

  test('an exhausted pool withdraws the oldest unrequested offer older than offerReclaimMs for a new client', () => {
    const table = new LeaseTable(small);
    const first = table.offer({ mac: 'aa:00:00:00:00:01', now: 0 }).allocation;
    table.offer({ mac: 'aa:00:00:00:00:02', now: 500 });
    // Both addresses are offered: a third client gets nothing while the offers are fresh.
    expect(table.offer({ mac: 'aa:00:00:00:00:03', now: 1_000 }).allocation.ok).toBe(false);
    // Once the first offer is 2 s old, it gives way.
    const third = table.offer({ mac: 'aa:00:00:00:00:03', now: 2_100 }).allocation;
    expect(third).toMatchObject({ ok: true, ip: (first as { ip: number }).ip });
    // The withdrawn client's REQUEST for it is now refused (it will start over).
    expect(table.check(bind({ mac: 'aa:00:00:00:00:01' }, (first as { ip: number }).ip, 2_200))).toBeDefined();
  });

  test('held leases are never reclaimed, only offers', () => {
    const table = new LeaseTable(small);
    dora(table, { mac: 'aa:00:00:00:00:01' }, 0);
    dora(table, { mac: 'aa:00:00:00:00:02' }, 0);
    expect(table.offer({ mac: 'aa:00:00:00:00:03', now: 60_000 }).allocation.ok).toBe(false);
  });
});

describe('pool-starvation defence under a flood', () => {
  type Op = { kind: 'discover' | 'request'; dt: number; pick: number };
  const ops = fc.array(
    fc.record({ kind: fc.constantFrom<'discover' | 'request'>('discover', 'discover', 'discover', 'request'), dt: fc.integer({ min: 0, max: 1500 }), pick: fc.nat() }),
    { maxLength: 80 },
  );

  test.prop([fc.integer({ min: 1, max: 6 }), ops])(
    'a DISCOVER from a new MAC on an exhausted pool gets the address of an oldest offer at least offerReclaimMs old, and nothing when there is none',
    (size, steps: Op[]) => {
      const first = v4('198.18.0.10');
      const table = new LeaseTable({ networkId: 'n', pools: [{ first, last: first + size - 1 }], offerTtlMs: 600_000, offerReclaimMs: 2_000 });
      // The model: outstanding offers (mac -> address, offered at), and how many addresses are bound.
      const offers = new Map<string, { ip: number; at: number }>();
      let bound = 0;
      let now = 0;
      let n = 0;
      for (const { kind, dt, pick } of steps) {
        now += dt;
        if (kind === 'request') {
          const macs = [...offers.keys()];
          if (macs.length === 0) continue;
          const mac = macs[pick % macs.length]!;
          const { ip } = offers.get(mac)!;
          const event = bind({ mac }, ip, now, 10_000);
          expect(table.check(event)).toBeUndefined();
          expect(table.apply(event)).toBeUndefined();
          offers.delete(mac);
          bound++;
          continue;
        }
        const mac = `aa:00:00:00:${String(Math.floor(n / 256)).padStart(2, '0')}:${(n++ % 256).toString(16).padStart(2, '0')}`;
        const { allocation } = table.offer({ mac, now });
        if (bound + offers.size < size) {
          expect(allocation.ok).toBe(true);
        } else {
          const eligible = [...offers].filter(([, o]) => o.at <= now - 2_000);
          const oldest = Math.min(...eligible.map(([, o]) => o.at));
          if (eligible.length === 0) {
            expect(allocation.ok).toBe(false);
            continue;
          }
          expect(allocation.ok).toBe(true);
          const ip = (allocation as { ip: number }).ip;
          const withdrawn = eligible.find(([, o]) => o.ip === ip);
          expect(withdrawn?.[1].at).toBe(oldest);
          offers.delete(withdrawn![0]);
        }
        if (allocation.ok) offers.set(mac, { ip: allocation.ip, at: now });
      }
    },
  );
});

describe('regression: a journaled fact beats an in-memory offer (two agents, one address)', () => {
  test('a LeaseBound from the journal for an address this table offered to another client withdraws the offer and binds', () => {
    const table = new LeaseTable({ networkId: 'n', pools: [{ first: v4('198.18.0.10'), last: v4('198.18.0.10') }] });
    // This agent offered the only address to B...
    expect(table.offer({ ...B, now: 0 }).allocation).toMatchObject({ ok: true, ip: v4('198.18.0.10') });
    // ...while the other agent bound it to A, and the journal says so.
    expect(table.applyJournaled(bind(A, v4('198.18.0.10'), 1))).toBeUndefined();
    expect(table.lease(v4('198.18.0.10'), 2)).toMatchObject({ status: 'bound', client: { mac: A.mac } });
    // B's REQUEST for it must now be refused, so no second binding can be written.
    expect(table.check(bind(B, v4('198.18.0.10'), 2))).toBeDefined();
    expect(table.allocate({ ...B, now: 2 }).ok).toBe(false);
  });
});
