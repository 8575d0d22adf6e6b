/**
 * What the journal says about a network's leases, read back independently of
 * any agent: the event history of every address, and which client holds
 * which address now. End-to-end tests compare it with what real clients got.
 */
import type { Journal } from '@leasehold/journal';
import { fromEnvelope } from '@leasehold/lease-actor';
import { aggregateSubject, formatIpv4 } from '@leasehold/protocol';

export interface LeaseRecord {
  readonly type: string;
  readonly mac: string | undefined;
  readonly seq: number;
}

/** Every lease event of a network, per address ("198.18.1.5"), oldest first. */
export async function leaseHistory(journal: Journal, networkId: string): Promise<Map<string, LeaseRecord[]>> {
  const out = new Map<string, LeaseRecord[]>();
  await journal.replay(`${aggregateSubject('lease', networkId)}.>`, ({ event, seq }) => {
    const lease = fromEnvelope(event);
    const ip = formatIpv4(lease.ip);
    let list = out.get(ip);
    if (!list) out.set(ip, (list = []));
    list.push({ type: lease.type, mac: 'mac' in lease ? lease.mac : undefined, seq });
  });
  return out;
}

/** Address → MAC of every address whose last event binds or renews it (expiry times aside). */
export async function heldLeases(journal: Journal, networkId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [ip, events] of await leaseHistory(journal, networkId)) {
    const last = events.at(-1);
    if (last && (last.type === 'LeaseBound' || last.type === 'LeaseRenewed') && last.mac) out.set(ip, last.mac);
  }
  return out;
}
