/**
 * `lh.api.v1.leases.<verb>`: list and show, read-only. Leases are the
 * agents' (their lease events on `lh.evt.lease.<networkId>.<ip>`, DHCPv6's
 * on `lh.evt.lease6.<networkId>.<address>`); the read model keeps each
 * address's last lease row, IPv4 and IPv6 apart, and both are listed.
 */
import { canonicalIpv6, tryParseIpv4 } from '@leasehold/protocol';
import type { Handler } from '../endpoint.js';
import { ApiError } from '../errors.js';
import type { ReadModel } from '../read-model/read-model.js';
import type { LeaseView } from '../wire/views.js';
import { page, parseRequest } from '../wire/schemas.js';
import { lease6View, leaseView } from './view.js';

export interface LeaseHandlerDeps {
  readonly model: ReadModel;
}

/** The rows of one network, or of all when `networkId` is undefined. Pure. */
function rowsOf<R>(byNetwork: ReadonlyMap<string, ReadonlyMap<unknown, R>>, networkId: string | undefined): R[] {
  if (networkId !== undefined) return [...(byNetwork.get(networkId)?.values() ?? [])];
  return [...byNetwork.values()].flatMap((rows) => [...rows.values()]);
}

export function leaseHandlers({ model }: LeaseHandlerDeps): Record<string, Handler> {
  const fleet = model.fleet;
  return {
    'leases.list': async (body) => {
      const f = parseRequest('leaseList', body);
      const now = Date.now();
      const mac = f.mac_address?.toLowerCase();
      const leases = [
        ...(f.ip_version === 6 ? [] : rowsOf(fleet.leases, f.network_id).map((row) => leaseView(row, now))),
        ...(f.ip_version === 4 ? [] : rowsOf(fleet.leases6, f.network_id).map((row) => lease6View(row, now))),
      ].filter((l) => (f.state === undefined || l.state === f.state) && (mac === undefined || l.mac_address === mac));
      const { items, next_marker } = page(leases, (l) => `${l.network_id}/${l.ip_address}`, f);
      return { leases: items, ...(next_marker ? { next_marker } : {}) };
    },
    'leases.show': async (body) => {
      const f = parseRequest('leaseShow', body);
      if (f.mac_address === undefined && f.ip_address === undefined) throw new ApiError('VALIDATION_FAILED', 'give mac_address or ip_address', 'mac_address');
      const ip = f.ip_address === undefined ? undefined : tryParseIpv4(f.ip_address);
      // Any textual form of an IPv6 address names its row, kept under the RFC 5952 text.
      const ip6 = f.ip_address === undefined || ip !== undefined ? undefined : canonicalIpv6(f.ip_address);
      if (f.ip_address !== undefined && ip === undefined && ip6 === undefined) throw new ApiError('INVALID_IP', `ip_address ${f.ip_address} is not an IPv4 or IPv6 address`, 'ip_address');
      const mac = f.mac_address?.toLowerCase();
      const four = ip6 !== undefined || f.ip_version === 6 ? [] : rowsOf(fleet.leases, f.network_id).filter((l) => (ip === undefined || l.ip === ip) && (mac === undefined || l.mac === mac));
      const six = ip !== undefined || f.ip_version === 4 ? [] : rowsOf(fleet.leases6, f.network_id).filter((l) => (ip6 === undefined || l.ip === ip6) && (mac === undefined || l.mac === mac));
      // The latest row wins (a MAC's IPv4 lease on a tie: it was the only answer before IPv6 leases were kept).
      const candidates: { updatedAt: number; view: () => LeaseView }[] = [...four.map((l) => ({ updatedAt: l.updatedAt, view: () => leaseView(l) })), ...six.map((l) => ({ updatedAt: l.updatedAt, view: () => lease6View(l) }))];
      const match = candidates.sort((a, b) => b.updatedAt - a.updatedAt)[0];
      if (!match) throw new ApiError('NOT_FOUND', `no lease for ${f.mac_address ?? f.ip_address}`, f.mac_address ? 'mac_address' : 'ip_address');
      return { lease: match.view() };
    },
  };
}
