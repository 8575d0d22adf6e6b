/**
 * Who may publish and subscribe to what: one row per role of the system.
 * NATS permissions are subject allow-lists, so each role gets exactly the
 * aggregate subjects it writes, the JetStream API subjects its journal reads
 * need, and a private inbox. Anything not listed is refused by the server.
 *
 * What NATS cannot scope by itself (documented in the README):
 * - which networks' leases an agent may write: bindings live in the journal
 *   and permissions are static patterns, so the owner of the server's
 *   configuration passes `leaseNetworks` and reloads it as bindings change;
 *   a static configuration lets an agent write every network's leases;
 * - every role may read the whole event stream (its projections fold
 *   `lh.evt.>`), and create/inspect/delete consumers on it (a consumer name
 *   is a random nuid that no role may list, so deleting another's is guesswork).
 */
import { defaultLayout, type JournalLayout } from '../provision.js';
import { subjectMatches } from '@leasehold/protocol';
import { snapshotSubjects } from '../snapshots/snapshot-keys.js';

/** A role of the system. An agent's permissions are scoped to its id. */
export type Role =
  | {
      readonly kind: 'agent';
      readonly agentId: string;
      /**
       * The networks whose leases it may write: those bound to it, kept up to
       * date by whoever owns the server's configuration (a reload per change).
       * Omitted: every network's (a static configuration cannot follow bindings).
       */
      readonly leaseNetworks?: readonly string[];
    }
  | { readonly kind: 'scheduler'; /** Its projection checkpoint name (the scheduler's `name`, default "scheduler"). */ readonly name?: string }
  | {
      readonly kind: 'api';
      /**
       * Serves the API's requests (the default): subscribes to them and may
       * answer. `false`: the same writes and reads of the journal, nothing
       * served. A process that splits the two keeps JetStream's deliveries
       * off the user that may answer (see `rolePermissions`).
       */
      readonly serves?: boolean;
    }
  | { readonly kind: 'client' }
  | { readonly kind: 'admin' };

export interface Permissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May answer requests it received (publish once to their reply subject). */
  readonly allowResponses: boolean;
}

/** Prefix of the API's request subjects (`lh.api.v1.<resource>.<verb>`). */
export const API_REQUEST_PREFIX = 'lh.api.v1';

/**
 * Prefix of the requests only agents make, one subtree per agent id
 * (`lh.api.agents.<agentId>.<verb>`): outside `lh.api.v1.>`, so a client may
 * not send them, and the id in the subject is the caller's, since only that
 * agent may publish under it.
 */
export const AGENT_REQUEST_PREFIX = 'lh.api.agents';

/** The subject on which agent `agentId` asks for its DHCP port on a network. Pure. */
export function agentDhcpPortSubject(agentId: string): string {
  return `${AGENT_REQUEST_PREFIX}.${assertToken(agentId, 'agent id')}.dhcp-port`;
}

/**
 * The subject on which agent `agentId` says how far its model has folded the
 * journal and which networks it serves (a plain publish, no answer): the API
 * shows a port ACTIVE once an agent serving its network has folded it. Pure.
 */
export function agentReadySubject(agentId: string): string {
  return `${AGENT_REQUEST_PREFIX}.${assertToken(agentId, 'agent id')}.ready`;
}

const tokenPattern = /^[A-Za-z0-9_\-:]+$/;

/** Throws a RangeError unless `value` is one subject token without wildcards. Pure. */
export function assertToken(value: string, what: string): string {
  if (!tokenPattern.test(value)) throw new RangeError(`${what} "${value}" cannot be a subject token`);
  return value;
}

/**
 * The inbox prefix a user's requests reply to: `_INBOX.<user>`. Each user may
 * subscribe only under its own, so no role can overhear another's replies
 * (JetStream acks, API answers). Pure.
 */
export function inboxPrefixOf(user: string): string {
  return `_INBOX.${assertToken(user, 'user name')}`;
}

/**
 * The JetStream API subjects a journal reader needs, found by tracing the real
 * processes: account info (the manager's API check), stream info of the
 * events stream and of the KV buckets (Journal.open binds them; projection
 * snapshots list their keys with a stream info's subject list), ordered
 * consumers on the events stream (create, pull, and the info/delete an
 * ordered consumer uses when it resets after missed heartbeats), and direct
 * gets (an aggregate's version, snapshots, checkpoints, and each projection
 * snapshot's manifest and chunks). Pure.
 */
export function journalReadSubjects(layout: JournalLayout = defaultLayout): string[] {
  const kv = [`KV_${layout.snapshotBucket}`, `KV_${layout.checkpointBucket}`, `KV_${layout.projectionBucket}`];
  return [
    '$JS.API.INFO',
    ...[layout.stream, ...kv].map((s) => `$JS.API.STREAM.INFO.${s}`),
    `$JS.API.CONSUMER.CREATE.${layout.stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${layout.stream}.>`,
    `$JS.API.CONSUMER.INFO.${layout.stream}.>`,
    `$JS.API.CONSUMER.DELETE.${layout.stream}.>`,
    ...[layout.stream, ...kv].flatMap((s) => [`$JS.API.DIRECT.GET.${s}`, `$JS.API.DIRECT.GET.${s}.>`]),
  ];
}

/**
 * What a process needs to store its own projection snapshot `name`: KV puts
 * and deletes (publishes) on its manifest key and its chunk keys, nothing of
 * another name's, and no stream purge (a save never issues one). Pure.
 */
export function snapshotWriteSubjects(layout: JournalLayout, name: string): string[] {
  return snapshotSubjects(layout.projectionBucket, name);
}

/** The KV subject of one projection's checkpoint (a KV put is a publish on it). Pure. */
function checkpointSubject(layout: JournalLayout, name: string): string {
  return `$KV.${layout.checkpointBucket}.${name}`;
}

/**
 * The permissions of `role` for the NATS user `user` (whose inbox is
 * `_INBOX.<user>`), on the journal `layout`. Pure.
 */
export function rolePermissions(role: Role, user: string, layout: JournalLayout = defaultLayout): Permissions {
  const inbox = `${inboxPrefixOf(user)}.>`;
  const evt = (kind: string) => `lh.evt.${kind}.>`;
  switch (role.kind) {
    case 'agent': {
      const id = assertToken(role.agentId, 'agent id');
      return {
        publish: [
          // Its own heartbeats only: another agent's subject is refused.
          `lh.evt.agent.${id}`,
          // Leases of the networks bound to it when the owner of the configuration says which; else of any.
          // IPv6 leases (lh.evt.lease6.<network>.<address>) the same way.
          ...(role.leaseNetworks === undefined
            ? [evt('lease'), evt('lease6')]
            : role.leaseNetworks.flatMap((network) => [`lh.evt.lease.${assertToken(network, 'network id')}.>`, `lh.evt.lease6.${network}.>`])),
          // Its DHCP port on each served network (the API checks the binding).
          agentDhcpPortSubject(id),
          // What its model has folded and serves, for the API's port status.
          agentReadySubject(id),
          checkpointSubject(layout, `agent-${id}`),
          ...snapshotWriteSubjects(layout, `agent-${id}`),
          ...journalReadSubjects(layout),
        ],
        subscribe: [inbox],
        allowResponses: false,
      };
    }
    case 'scheduler':
      return {
        publish: [
          evt('binding'),
          checkpointSubject(layout, assertToken(role.name ?? 'scheduler', 'scheduler name')),
          ...snapshotWriteSubjects(layout, role.name ?? 'scheduler'),
          ...journalReadSubjects(layout),
        ],
        subscribe: [inbox],
        allowResponses: false,
      };
    case 'api': {
      const serves = role.serves !== false;
      return {
        publish: [
          evt('network'),
          evt('port'),
          evt('ipam'),
          evt('mac'),
          // Segment claims (one network per segment).
          evt('segment'),
          // Admin state and deletion of agents.
          evt('agent'),
          // Manual bindings (bindings.add/remove).
          evt('binding'),
          checkpointSubject(layout, 'api'),
          ...snapshotWriteSubjects(layout, 'api'),
          ...journalReadSubjects(layout),
          // Its answers, to every caller's inbox (each user's requests reply under `_INBOX.<user>.`).
          // Not allow_responses: nats-server 2.9 forgets those grants at every configuration reload, and
          // the server reloads whenever bindings change (the agents' lease permissions), so an answer
          // in flight across a reload was refused and its caller timed out. This role is trusted with
          // the address plan already; a forged answer would need a caller's random inbox.
          ...(serves ? ['_INBOX.>'] : []),
        ],
        // Its endpoints (a queue group) and the micro-service discovery subjects.
        subscribe: serves ? [`${API_REQUEST_PREFIX}.>`, `${AGENT_REQUEST_PREFIX}.*.>`, '$SRV.>', inbox] : [inbox],
        allowResponses: false,
      };
    }
    case 'client':
      return { publish: [`${API_REQUEST_PREFIX}.>`, '$SRV.>'], subscribe: [inbox], allowResponses: false };
    case 'admin':
      // No allow_responses: publishing '>' covers every reply already, and nats-server 2.9 tracks
      // each reply subject delivered to such a user (every JetStream message carries one) and,
      // past 4,096 of them, walks the whole table at each delivery: a replay of 100,000 events
      // took 140 s instead of 1.3 s. (The serving API user once had allow_responses and that cost, hence `serves`.)
      return { publish: ['>'], subscribe: ['>'], allowResponses: false };
  }
}

export { subjectMatches };

/** Whether `permissions` let a user publish on `subject`. Pure. */
export function mayPublish(permissions: Permissions, subject: string): boolean {
  return permissions.publish.some((pattern) => subjectMatches(pattern, subject));
}
