/**
 * Filling a journal with ports fast, for start-up measurements: PortCreated
 * events published straight to their subjects, many in flight, bypassing the
 * API (no MAC or address claims: the caller picks unique ones).
 */
import { randomUUID } from 'node:crypto';
import type { Journal } from '@leasehold/journal';
import type { PortState } from '@leasehold/protocol';
import { portSubject, toPortEnvelope } from '@leasehold/resources';

/** Publishes one PortCreated per port, `inFlight` at a time; resolves once JetStream acknowledged them all. */
export async function publishPorts(journal: Journal, ports: readonly PortState[], inFlight = 512): Promise<void> {
  for (let i = 0; i < ports.length; i += inFlight) {
    await Promise.all(
      ports.slice(i, i + inFlight).map((port) => {
        const event = toPortEnvelope(port.id, { type: 'PortCreated', at: Date.now(), port }, { id: randomUUID() });
        return journal.publish(portSubject(port.id), event, 0);
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
