/**
 * `lh.api.v1.leases.<verb>`: list and show, read-only. Leases are the
 * agents' (their lease events on `lh.evt.lease.<networkId>.<ip>`); the read
 * model keeps each address's last lease row.
 */
import { tryParseIpv4 } from '@leasehold/protocol';
import type { Handler } from '../endpoint.js';
import { ApiError } from '../errors.js';
import type { LeaseRow } from '../read-model/agents.js';
import type { ReadModel } from '../read-model/read-model.js';
import { page, parseRequest } from '../wire/schemas.js';
import { leaseView } from './view.js';

export interface LeaseHandlerDeps {
  readonly model: ReadModel;
}

export function leaseHandlers({ model }: LeaseHandlerDeps): Record<string, Handler> {
  const fleet = model.fleet;
  return {
    'leases.list': async (body) => {
      const f = parseRequest('leaseList', body);
      const networks = f.network_id === undefined ? [...fleet.leases.values()] : [fleet.leases.get(f.network_id) ?? new Map<number, LeaseRow>()];
      const leases = networks
        .flatMap((byIp) => [...byIp.values()])
        .map((row) => leaseView(row))
        .filter((l) => (f.state === undefined || l.state === f.state) && (f.mac_address === undefined || l.mac_address === f.mac_address.toLowerCase()));
      const { items, next_marker } = page(leases, (l) => `${l.network_id}/${l.ip_address}`, f);
      return { leases: items, ...(next_marker ? { next_marker } : {}) };
    },
    'leases.show': async (body) => {
      const f = parseRequest('leaseShow', body);
      if (f.mac_address === undefined && f.ip_address === undefined) throw new ApiError('VALIDATION_FAILED', 'give mac_address or ip_address', 'mac_address');
      const ip = f.ip_address === undefined ? undefined : tryParseIpv4(f.ip_address);
      if (f.ip_address !== undefined && ip === undefined) throw new ApiError('INVALID_IP', `ip_address ${f.ip_address} is not an IPv4 address`, 'ip_address');
      const candidates = [...(f.network_id === undefined ? fleet.leases.values() : [fleet.leases.get(f.network_id) ?? new Map<number, LeaseRow>()])].flatMap((m) => [...m.values()]);
      const match = candidates
        .filter((l) => (ip === undefined || l.ip === ip) && (f.mac_address === undefined || l.mac === f.mac_address.toLowerCase()))
        .sort((a, b) => b.updatedAt - a.updatedAt)[0];
      if (!match) throw new ApiError('NOT_FOUND', `no lease for ${f.mac_address ?? f.ip_address}`, f.mac_address ? 'mac_address' : 'ip_address');
      return { lease: leaseView(match) };
    },
  };
}
