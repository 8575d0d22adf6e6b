/**
 * What `leasehold export` puts in a bundle: everything, or the events of
 * some aggregates, or everything about one network (its network, binding,
 * lease (IPv4 and IPv6), IPAM and MAC subjects, its ports, and by default the agents, whose
 * heartbeats say who was alive when a binding or lease was decided).
 */
import { EVENT_SUBJECT_PREFIX, subjectToken, type EventEnvelope } from '@leasehold/protocol';
import { eventSubjectParts } from '@leasehold/resources';
import { parseAggregate } from '../replay/aggregate.js';

export interface SelectionFlags {
  readonly network?: string;
  readonly aggregate?: readonly string[];
  readonly agents?: boolean;
}

export interface Selection {
  /** The one subject filter the server applies. */
  readonly server: string;
  /** Whether an event belongs; may learn (a network's ports) from the events it sees. */
  keeps(subject: string, event: EventEnvelope | undefined): boolean;
  /** Teaches the selection a port of the network created before the export's start. */
  knowPort(portId: string): void;
  /** The network asked for, if any. */
  readonly network?: string;
}

const NETWORK_KINDS_FLAT = new Set(['network', 'binding']);
const NETWORK_KINDS_NESTED = new Set(['lease', 'lease6', 'ipam', 'mac']);

/** Builds the selection; throws CliError for an aggregate it cannot read. */
export function selection(flags: SelectionFlags): Selection {
  const subjects = new Set((flags.aggregate ?? []).map((a) => parseAggregate(a).subject));
  const network = flags.network === undefined ? undefined : subjectToken(flags.network);
  const ports = new Set<string>();
  const all = `${EVENT_SUBJECT_PREFIX}.>`;
  const server = network === undefined && subjects.size === 1 ? [...subjects][0]! : all;
  const agents = flags.agents !== false;
  return {
    server,
    ...(network !== undefined ? { network } : {}),
    knowPort: (id) => void ports.add(id),
    keeps(subject, event) {
      if (network === undefined && subjects.size === 0) return true;
      if (subjects.has(subject)) return true;
      if (network === undefined) return false;
      const { kind, ids: [first] = [] } = eventSubjectParts(subject) ?? {};
      if (kind === undefined || first === undefined) return false;
      if (NETWORK_KINDS_FLAT.has(kind) || NETWORK_KINDS_NESTED.has(kind)) return first === network;
      if (kind === 'agent') return agents;
      if (kind === 'port') {
        if (ports.has(first)) return true;
        const data = event?.data as { port?: { networkId?: string }; networkId?: string } | undefined;
        if ((data?.port?.networkId ?? data?.networkId) === network) {
          ports.add(first);
          return true;
        }
      }
      return false;
    },
  };
}
