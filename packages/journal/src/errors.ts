/** Errors of the journal. JetStream and transport errors are translated into these at the edge. */

export class JournalError extends Error {
  override name = 'JournalError';
}

/**
 * Someone else appended to the aggregate first: the expected version (the
 * stream sequence of the aggregate's last event) no longer holds. Reload and
 * retry, or answer the caller with a conflict.
 */
export class VersionConflictError extends JournalError {
  override name = 'VersionConflictError';
  constructor(
    readonly subject: string,
    readonly expectedVersion: number,
    /** The version the server reported, when it said. */
    readonly actualVersion: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `version conflict on ${subject}: expected ${expectedVersion}` +
        (actualVersion === undefined ? '' : `, the aggregate is at ${actualVersion}`),
      options,
    );
  }
}

/**
 * The server refused the publish: the connection's user may not write
 * `subject` (a role's allow-list; for an agent's leases, the networks bound
 * to it as of the server's last reload). Not an outage: retrying the same
 * write as the same user is refused again until the permissions change.
 */
export class NotPermittedError extends JournalError {
  override name = 'NotPermittedError';
  constructor(
    readonly subject: string,
    /** What the server said ("Permissions Violation for Publish to ..."), kept in the message for whoever greps logs for it. */
    serverMessage: string,
    options?: ErrorOptions,
  ) {
    super(`not permitted to publish on ${subject} (${serverMessage})`, options);
  }
}

/** `nats-server` is not installed; the message says how to install it. */
export class NatsServerMissingError extends JournalError {
  override name = 'NatsServerMissingError';
  constructor(binary: string) {
    super(
      `nats-server was not found (looked for "${binary}" on PATH). ` +
        'Install it with:  sudo apt-get update && sudo apt-get install -y nats-server  ' +
        '(or set NATS_SERVER_BIN to its path, or NATS_URL to use a running server)',
    );
  }
}

/** The spawned nats-server exited or did not report its port in time. */
export class NatsServerStartError extends JournalError {
  override name = 'NatsServerStartError';
}

/** The server lacks something the journal relies on (JetStream, a minimum version). */
export class UnsupportedServerError extends JournalError {
  override name = 'UnsupportedServerError';
}

/** A spawned nats-server did not apply its config file when told to reload it (it runs on the previous one). */
export class NatsServerReloadError extends JournalError {
  override name = 'NatsServerReloadError';
}

/** A credentials file (nkey seed, creds) could not be read or parsed. */
export class CredentialsError extends JournalError {
  override name = 'CredentialsError';
}

/** A local cluster did not become ready (metadata leader, provisioning) in time. */
export class ClusterStartError extends JournalError {
  override name = 'ClusterStartError';
}

/** Who holds a data directory lock, as it recorded itself in the lock file. */
export interface LockHolder {
  /** The process that took the lock (the one to signal). */
  readonly pid: number;
  /** The NATS URL of the server it spawned, once it listens. */
  readonly natsUrl?: string;
  /** That server's pid: it holds the lock too until it exits. */
  readonly natsPid?: number;
  /** When the lock was taken (ISO 8601). */
  readonly since?: string;
}

/**
 * Another process holds the data directory's lock (a running system, or its
 * nats-server still exiting): this one must not spawn a second server on the
 * same store. `holder` is what that process recorded, if it got that far.
 */
export class DataDirInUseError extends JournalError {
  override name = 'DataDirInUseError';
  constructor(
    readonly dir: string,
    readonly lockFile: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      `data directory ${dir} is in use by ` +
        (holder
          ? `pid ${holder.pid}` +
            (holder.natsUrl ? ` (NATS ${holder.natsUrl}${holder.natsPid ? `, nats-server pid ${holder.natsPid}` : ''})` : ' (still starting: no NATS URL yet)')
          : 'a process that has not recorded itself yet') +
        `; it holds ${lockFile}. Stop it first, or use another data directory.`,
    );
  }
}

/**
 * A projection catching up with the journal applied no event for its stall
 * limit: the server does not deliver the next event (a damaged store, a
 * consumer that makes no progress) or the fold does not return. Names the
 * event it waits for, so an operator knows what to look at.
 */
export class ProjectionStalledError extends JournalError {
  override name = 'ProjectionStalledError';
  readonly projection: string;
  readonly filter: string;
  /** The last event applied. */
  readonly position: number;
  /** The stream's last sequence at start: where catching up ends. */
  readonly target: number;
  readonly stalledMs: number;
  /** The event it could not get past: its sequence, its subject when the server can read it, else why not. */
  readonly next: { readonly seq: number; readonly subject?: string; readonly problem?: string };
  constructor(stalled: { name: string; filter: string; position: number; target: number; stalledMs: number; next: ProjectionStalledError['next'] }, options?: ErrorOptions) {
    const { next } = stalled;
    super(
      `projection ${stalled.name} applied no event for ${Math.round(stalled.stalledMs / 1000)} s while replaying ${stalled.filter}: ` +
        `it stopped at event ${stalled.position} of ${stalled.target}; cannot read event ${next.seq}` +
        (next.subject ? ` on ${next.subject}` : ' (subject unknown)') +
        (next.problem ? `: ${next.problem}` : ''),
      options,
    );
    this.projection = stalled.name;
    this.filter = stalled.filter;
    this.position = stalled.position;
    this.target = stalled.target;
    this.stalledMs = stalled.stalledMs;
    this.next = next;
  }
}

/**
 * History below `firstRetained` was compacted and no snapshot that holds it
 * could be read: folding what is retained would give a partial state.
 */
export class HistoryCompactedError extends JournalError {
  override name = 'HistoryCompactedError';
  constructor(
    readonly projection: string,
    readonly firstRetained: number,
  ) {
    super(
      `projection ${projection}: the journal's history before event ${firstRetained} was compacted and no snapshot of this kind of state (same schema version and settings) can be read; ` +
        'it will not start on part of history. Check `leasehold history` (which snapshots exist, and their versions)',
    );
  }
}

/**
 * Another writer is saving the same projection snapshot (two processes of one
 * name, e.g. two schedulers): it claimed the slot first, so this save is
 * skipped rather than mixed into its chunks. The next save tries again.
 */
export class SnapshotBusyError extends JournalError {
  override name = 'SnapshotBusyError';
  constructor(
    readonly snapshot: string,
    /** When the other writer claimed it (ms since the epoch), when known. */
    readonly claimedAt: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `projection snapshot ${snapshot} is being saved by another writer` +
        (claimedAt === undefined ? '' : ` (since ${new Date(claimedAt).toISOString()})`) +
        '; this save was skipped',
      options,
    );
  }
}
