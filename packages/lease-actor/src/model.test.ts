/**
 * Model-based test: random client behaviour (discover, request, init-reboot,
 * renew, rebind, release, decline, silence, clock jumps) against a lease table
 * driven the way the agent drives it (check, journal, apply), with the laws
 * checked after every step and a full replay at the end.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { leaseTimes, type ClientRef, type JournaledLeaseEvent, type LeaseEvent } from './events.js';
import { pack, parseIpv4 as ipToUint, unpack } from '@leasehold/protocol';
import { leaseMachine, statusOf } from './machine.js';
import { LeaseTable, type LeaseTableConfig } from './table.js';
import { restoreTable, tableSnapshot } from './table-snapshot.js';

const v4 = ipToUint;
const LEASE = 100;
const PORT: ClientRef = { mac: 'fa:16:3e:00:00:01' };
const CLIENTS: ClientRef[] = [
  { mac: 'aa:00:00:00:00:01' },
  { mac: 'aa:00:00:00:00:02', clientId: '01aa0000000002' },
  { mac: 'aa:00:00:00:00:03' },
  { mac: 'aa:00:00:00:00:04', clientId: 'ff00' },
  PORT,
];
const FRESH: ClientRef = { mac: 'ee:ee:ee:ee:ee:ee' };
const config: LeaseTableConfig = {
  networkId: 'net-1',
  pools: [{ first: v4('198.18.0.10'), last: v4('198.18.0.14') }],
  excluded: [v4('198.18.0.10')],
  fixed: [{ mac: PORT.mac, ip: v4('198.18.0.14') }],
  offerTtlMs: 10,
  declineQuarantineMs: 50,
};
const DYNAMIC = new Set([v4('198.18.0.11'), v4('198.18.0.12'), v4('198.18.0.13')]);

type ClientAction = 'discover' | 'request' | 'dora' | 'initReboot' | 'renew' | 'rebind' | 'release' | 'decline' | 'forget';
type Action = { kind: ClientAction; c: number } | { kind: 'wait'; ms: number; sweep: boolean };

const clientAction = (weight: number, ...kinds: ClientAction[]) => ({
  weight,
  arbitrary: fc.record({ kind: fc.constantFrom(...kinds), c: fc.nat(CLIENTS.length - 1) }) as fc.Arbitrary<Action>,
});
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  clientAction(6, 'discover', 'request', 'dora'),
  clientAction(3, 'renew', 'rebind', 'initReboot'),
  clientAction(2, 'release', 'decline', 'forget'),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 120 })),
      sweep: fc.boolean(),
    }),
  },
);

interface ClientView {
  lastIp?: number;
  offer?: { ip: number; until: number };
  lease?: { ip: number; expiresAt: number; rebindAt: number };
}

describe('lease table under random client behaviour', () => {
  test.prop([fc.array(actionArb, { minLength: 10, maxLength: 80, size: 'max' }), fc.nat()], { numRuns: 100 })(
    'whatever the clients do, no address is held or offered twice, holders keep their address, freed addresses become allocatable, quarantines hold, allocation is deterministic, and replay, or a snapshot of the live table taken at any point plus the rest of the journal, rebuilds the table',
    (actions, split) => {
      const table = new LeaseTable(config);
      const journal: JournaledLeaseEvent[] = [];
      /** Everything the live table was given, in order, for the determinism law. */
      const log: LeaseEvent[] = [];
      const quarantine = new Map<number, number>();
      const views: ClientView[] = CLIENTS.map(() => ({}));
      let now = 0;

      const append = (event: JournaledLeaseEvent): boolean => {
        if (table.check(event)) return false;
        journal.push(event);
        log.push(event);
        expect(table.apply(event)).toBeUndefined();
        return true;
      };
      const fixedOf = (client: ClientRef) => (client.mac === PORT.mac ? v4('198.18.0.14') : undefined);
      const grantable = (client: ClientRef, ip: number) => {
        expect(DYNAMIC.has(ip) || ip === fixedOf(client)).toBe(true);
        expect((quarantine.get(ip) ?? -Infinity) <= now).toBe(true);
      };
      const bind = (client: ClientRef, view: ClientView, ip: number): boolean => {
        const event = { type: 'LeaseBound' as const, ip, ...client, at: now, ...leaseTimes(now, LEASE) };
        if (!append(event)) return false;
        grantable(client, ip);
        view.lease = { ip, expiresAt: event.expiresAt, rebindAt: event.rebindAt };
        view.lastIp = ip;
        delete view.offer;
        return true;
      };
      const becameAllocatable = (ip: number) => {
        const asker = ip === v4('198.18.0.14') ? PORT : FRESH;
        expect(table.allocate({ ...asker, requestedIp: ip, now })).toMatchObject({ ok: true, ip });
      };

      /** A snapshot of the live table (offers out), packed as a store keeps it, and how much of the journal it holds. */
      let snapshot: { bytes: Uint8Array; folded: number } | undefined;

      for (const [i, action] of actions.entries()) {
        if (i === split % actions.length) snapshot = { bytes: pack(tableSnapshot(table)), folded: journal.length };
        if (action.kind === 'wait') {
          now += action.ms;
          if (action.sweep) {
            for (const event of table.expired(now)) {
              expect(append(event)).toBe(true);
              becameAllocatable(event.ip);
            }
          }
        } else {
          const client = CLIENTS[action.c] as ClientRef;
          const view = views[action.c] as ClientView;
          const live = view.lease !== undefined && now < view.lease.expiresAt ? view.lease : undefined;
          switch (action.kind) {
            case 'discover':
            case 'dora': {
              log.push({ type: 'Tick', now });
              const request = { ...client, now, ...(view.lastIp !== undefined ? { requestedIp: view.lastIp } : {}) };
              const expected = LeaseTable.fold(config, log).allocate(request);
              const { allocation, event } = table.offer(request);
              expect(allocation).toEqual(expected);
              if (event) log.push(event);
              if (live) expect(allocation).toMatchObject({ ok: true, ip: live.ip });
              if (allocation.ok) {
                grantable(client, allocation.ip);
                // An offer of the address the client still holds is only as good as that lease.
                const heldUntil = event ? Infinity : (table.lease(allocation.ip, now)?.expiresAt ?? Infinity);
                view.offer = { ip: allocation.ip, until: Math.min(now + 10, heldUntil) };
                if (action.kind === 'dora') expect(bind(client, view, allocation.ip)).toBe(true);
              }
              break;
            }
            case 'request':
              if (view.offer && !bind(client, view, view.offer.ip)) delete view.offer;
              break;
            case 'initReboot':
              if (view.lastIp !== undefined) bind(client, view, view.lastIp);
              break;
            case 'renew':
            case 'rebind': {
              if (!view.lease) break;
              if (action.kind === 'rebind' && now < view.lease.rebindAt) break;
              const event = { type: 'LeaseRenewed' as const, ip: view.lease.ip, ...client, at: now, ...leaseTimes(now, LEASE) };
              const granted = append(event);
              // A holder keeps its address for as long as its lease lives: renewals are never refused.
              if (live) expect(granted).toBe(true);
              if (granted) view.lease = { ip: view.lease.ip, expiresAt: event.expiresAt, rebindAt: event.rebindAt };
              else delete view.lease;
              break;
            }
            case 'release':
            case 'decline':
              if (!view.lease) break;
              // An offer of the lease's own address (the holder DISCOVERed) goes with the lease.
              if (view.offer?.ip === view.lease.ip) delete view.offer;
              if (action.kind === 'release') {
                if (append({ type: 'LeaseReleased', ip: view.lease.ip, ...client, at: now })) becameAllocatable(view.lease.ip);
              } else {
                const event = table.declineEvent(client, view.lease.ip, now);
                if (append(event)) quarantine.set(event.ip, event.quarantineUntil);
              }
              delete view.lease;
              break;
            case 'forget':
              views[action.c] = {};
              break;
          }
        }

        // Law: what the clients believe they hold or were offered never overlaps.
        const believed = views.flatMap((v) => [
          ...(v.lease && now < v.lease.expiresAt ? [v.lease.ip] : []),
          ...(v.offer && now < v.offer.until && v.offer.ip !== v.lease?.ip ? [v.offer.ip] : []),
        ]);
        expect(new Set(believed).size).toBe(believed.length);
      }

      // Law: folding the journal (no offers) rebuilds the live table.
      const replayed = LeaseTable.fold(config, journal);
      replayed.advance(now);
      table.advance(now);
      expect(replayed.durableState()).toEqual(table.durableState());

      // Law: the live table's snapshot, restored and given the rest of the journal, is the replay, and allocates as it does.
      const live = tableSnapshot(table);
      expect([live.clients, live.macs]).toEqual([[], []]);
      const restored = restoreTable(unpack(snapshot!.bytes));
      for (const event of journal.slice(snapshot!.folded)) expect(restored.apply(event)).toBeUndefined();
      restored.advance(now);
      expect(restored.durableState()).toEqual(replayed.durableState());
      for (const client of [...CLIENTS, FRESH]) expect(restored.allocate({ ...client, now })).toEqual(replayed.allocate({ ...client, now }));

      // Law: applying each journaled event twice in a row (an agent applies its own event on the
      // journal's ack, then sees it again on its subscription) changes nothing.
      const twice = LeaseTable.fold(config, journal.flatMap((event) => [event, event]));
      twice.advance(now);
      expect(twice.durableState()).toEqual(table.durableState());

      // Law: the xstate machine, folded per address, accepted every journaled event and agrees with the table.
      const byIp = new Map<number, JournaledLeaseEvent[]>();
      for (const event of journal) byIp.set(event.ip, [...(byIp.get(event.ip) ?? []), event]);
      for (const [ip, events] of byIp) {
        let [snapshot] = initialTransition(leaseMachine, { ip });
        for (const event of events) {
          expect(snapshot.can(event)).toBe(true);
          [snapshot] = transition(leaseMachine, snapshot, event);
        }
        for (let i = 0; i < 2; i++) [snapshot] = transition(leaseMachine, snapshot, { type: 'Tick', now });
        const view = replayed.lease(ip, now);
        if (statusOf(snapshot) === 'free') expect(view).toBeUndefined();
        else expect(view).toEqual({ ...snapshot.context, status: statusOf(snapshot) });
      }
      expect([...byIp.keys()].every((ip) => DYNAMIC.has(ip) || ip === v4('198.18.0.14'))).toBe(true);
    },
  );
});
