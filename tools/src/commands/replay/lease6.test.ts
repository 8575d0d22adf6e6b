import { lease6Subject, lease6ToEnvelope, type JournaledLease6Event } from '@leasehold/lease-actor';
import { describe, expect, test } from 'vitest';
import { lease6Live, lease6Replayer } from './lease6.js';

const AT = 1_800_000_000_000;
const DUID = '000300010200db080601';
let seq = 0;
const stored = (event: JournaledLease6Event) => ({ seq: ++seq, subject: lease6Subject('n', event.ip), event: lease6ToEnvelope('n', event, { id: `e${seq}` }) });
const ip = '2001:db8:6::10';

describe('an IPv6 lease replayed', () => {
  test('folds as the agents\' table does: a renewal keeps the host name, a release or decline by another IA and an expiry of an older lease are refused and change nothing', () => {
    const r = lease6Replayer(ip);
    expect(r.step(stored({ type: 'Lease6Bound', at: AT, ip, duid: DUID, iaid: 1, hostname: 'vm', message: 'request', source: 'pool', expiresAt: AT + 10 }))).toMatchObject({ value: 'bound', context: { hostname: 'vm', source: 'pool' } });
    expect(r.step(stored({ type: 'Lease6Renewed', at: AT + 1, ip, duid: DUID, iaid: 1, message: 'renew', expiresAt: AT + 20 }))).toMatchObject({ value: 'bound', context: { hostname: 'vm', source: 'pool', message: 'renew', expiresAt: AT + 20 } });
    expect(r.step(stored({ type: 'Lease6Released', at: AT + 2, ip, duid: DUID, iaid: 2 })).refused).toMatch(/not the holder/);
    expect(r.step(stored({ type: 'Lease6Expired', at: AT + 3, ip, expiresAt: AT + 10 })).refused).toMatch(/older lease/);
    expect(r.state.value).toBe('bound');
    expect(lease6Live(r.state, AT + 19)).toMatchObject({ state: 'bound', hostname: 'vm' });
    expect(lease6Live(r.state, AT + 20)).toMatchObject({ state: 'expired' });
    expect(r.step(stored({ type: 'Lease6Expired', at: AT + 30, ip, expiresAt: AT + 20 }))).toMatchObject({ value: 'expired' });
    expect(r.step(stored({ type: 'Lease6Declined', at: AT + 31, ip, duid: DUID, iaid: 1 })).refused).toMatch(/no IA holds/);
    const bad = r.step({ seq: ++seq, subject: lease6Subject('n', ip), event: { type: 'Lease6Bound', v: 1, id: 'x', aggregate: 'a', at: AT, data: { ip } } });
    expect(bad.refused).toMatch(/data/);
  });
});
