/** Errors of the agent that callers handle by type. */

/** Why a stored agent-model snapshot cannot be used. */
export type AgentModelSnapshotProblem =
  /** Not an agent-model snapshot, or one not shaped as this build writes them. */
  | 'not-a-snapshot'
  /** Written with another schema version (of the model's layout, or of a lease table's). */
  | 'version'
  /** Taken under other fold options (offerTtlMs, declineQuarantineMs). */
  | 'options';

/**
 * A stored agent-model snapshot this build cannot use. It is refused, never
 * misread: the caller starts from an empty model and folds the journal from
 * its first retained event instead.
 */
export class AgentModelSnapshotError extends Error {
  override name = 'AgentModelSnapshotError';
  constructor(
    readonly problem: AgentModelSnapshotProblem,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`agent-model snapshot: ${detail}`, options);
  }
}
