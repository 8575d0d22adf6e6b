import { describe, expect, it } from 'vitest';
import { ApiError, errorStatus, type ErrorCode } from '../errors.js';
import { neutronError } from './neutron-errors.js';

const net = '916231b3-4280-433a-a21c-45e062caf9aa';

describe("the API's errors in Neutron's words", () => {
  it('maps every code to a NeutronError body with a type and an HTTP status', () => {
    for (const code of Object.keys(errorStatus) as ErrorCode[]) {
      const { status, body } = neutronError(new ApiError(code, 'why'));
      expect(status).toBeGreaterThanOrEqual(400);
      expect(body.NeutronError.type).toMatch(/^\w+$/);
      expect(body.NeutronError.detail).toBe('');
    }
  });

  it('words the transcript errors as Neutron Zed does', () => {
    const cases: [ApiError, Parameters<typeof neutronError>[1], number, string, string][] = [
      [new ApiError('NOT_FOUND', `network ${net} not found`), {}, 404, 'NetworkNotFound', `Network ${net} could not be found.`],
      [new ApiError('NOT_FOUND', 'port p1 not found'), {}, 404, 'PortNotFound', 'Port p1 could not be found.'],
      [new ApiError('NOT_FOUND', `network ${net} is not bound to agent a1`), {}, 409, 'NetworkNotHostedByDhcpAgent', `The network ${net} is not hosted by the DHCP Agent a1.`],
      [
        new ApiError('SUBNET_OVERLAP', 'cidr 198.18.40.128/25 overlaps subnet s (198.18.40.0/24) of the same network', 'cidr'),
        { body: { network_id: net, cidr: '198.18.40.128/25' } },
        400,
        'InvalidInput',
        `Invalid input for operation: Requested subnet with cidr: 198.18.40.128/25 for network: ${net} overlaps with another subnet.`,
      ],
      [new ApiError('INVALID_CIDR', 'cidr "not-a-cidr" is not a valid IPv4 CIDR', 'cidr'), { body: { cidr: 'not-a-cidr' } }, 400, 'InvalidInput', 'Invalid input for operation: not-a-cidr is not in a CIDR format.'],
      [
        new ApiError('MAC_IN_USE', `mac_address fa:16:3e:18:40:11 is already used by a port of network ${net}`, 'mac_address'),
        { body: { network_id: net, mac_address: 'fa:16:3e:18:40:11' } },
        409,
        'MacAddressInUse',
        `Unable to complete operation for network ${net}. The mac address fa:16:3e:18:40:11 is in use.`,
      ],
      [new ApiError('IP_ALREADY_ALLOCATED', 'fixed_ips[0].ip_address 198.18.40.50 is already allocated in subnet s1'), {}, 409, 'IpAddressAlreadyAllocated', 'IP address 198.18.40.50 already allocated in subnet s1'],
      [new ApiError('IP_EXHAUSTED', 'no free address left in the allocation pools of subnet s1'), { body: { network_id: net } }, 409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${net}.`],
      [
        new ApiError('NETWORK_IN_USE', `network ${net} still has 2 port(s); delete them first`),
        { portsInUse: ['p1', 'p2'] },
        409,
        'NetworkInUse',
        `Unable to complete operation on network ${net}. There are one or more ports still in use on the network, id for these ports is: p1,p2.`,
      ],
      [new ApiError('SUBNET_IN_USE', 'subnet s1 (198.18.40.0/24) still has 1 port(s) with addresses in it'), {}, 409, 'SubnetInUse', 'Unable to complete operation on subnet s1: One or more ports have an IP allocation from this subnet.'],
      [
        new ApiError('POOL_OVERLAP', 'allocation_pools[0] overlaps allocation_pools[1]'),
        { body: { cidr: '198.18.40.0/24', allocation_pools: [{ start: '198.18.40.2', end: '198.18.40.254' }, { start: '198.18.40.100', end: '198.18.40.150' }] } },
        409,
        'OverlappingAllocationPools',
        'Found overlapping allocation pools: 198.18.40.100-198.18.40.150 198.18.40.2-198.18.40.254 for subnet 198.18.40.0/24.',
      ],
    ];
    for (const [error, ctx, status, type, message] of cases) expect(neutronError(error, ctx)).toEqual({ status, body: { NeutronError: { type, message, detail: '' } } });
  });

  it('answers a stale If-Match with 412 and a write race without one with 409', () => {
    const conflict = new ApiError('VERSION_CONFLICT', 'network n changed meanwhile');
    expect(neutronError(conflict, { ifMatch: true }).status).toBe(412);
    expect(neutronError(conflict, { ifMatch: true }).body.NeutronError.type).toBe('RevisionNumberConstraintFailed');
    expect(neutronError(conflict).status).toBe(409);
  });

  it('hides what an unexpected failure says', () => {
    expect(neutronError(new Error('secret stack'))).toEqual({
      status: 500,
      body: { NeutronError: { type: 'HTTPInternalServerError', message: 'Request Failed: internal server error while processing your request.', detail: '' } },
    });
  });
});
