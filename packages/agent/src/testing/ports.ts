/**
 * Filling a journal with ports fast, for start-up measurements: PortCreated
 * events published straight to their subjects, many in flight, bypassing the
 * API (no MAC or address claims: the caller picks unique ones).
 */
import { randomUUID } from 'node:crypto';
import type { Journal } from '@leasehold/journal';
import { aggregateSubject, type EventEnvelope, type PortEventData, type PortState } from '@leasehold/protocol';

/** Publishes one PortCreated per port, `inFlight` at a time; resolves once JetStream acknowledged them all. */
export async function publishPorts(journal: Journal, ports: readonly PortState[], inFlight = 512): Promise<void> {
  for (let i = 0; i < ports.length; i += inFlight) {
    await Promise.all(
      ports.slice(i, i + inFlight).map((port) => {
        const event: EventEnvelope<'PortCreated', PortEventData['PortCreated']> = {
          type: 'PortCreated',
          v: 1,
          id: randomUUID(),
          aggregate: `port/${port.id}`,
          at: Date.now(),
          data: { port },
        };
        return journal.publish(aggregateSubject('port', port.id), event, 0);
      }),
    );
  }
}

/** A compute port with one fixed IP, as the API would have written it (fresh random ids, so not pure). */
export function computePort(networkId: string, subnetId: string, mac: string, ipAddress: number, n: number): PortState {
  return {
    id: randomUUID(),
    networkId,
    name: `vm-${n}`,
    macAddress: mac,
    fixedIps: [{ subnetId, ipAddress }],
    dnsName: `vm-${n}`,
    extraDhcpOpts: [],
    deviceOwner: 'compute:nova',
    deviceId: randomUUID(),
    adminStateUp: true,
  };
}
