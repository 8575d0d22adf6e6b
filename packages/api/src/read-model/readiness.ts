/**
 * What each agent last said it has folded and serves (agent/src/readiness.ts,
 * on `lh.api.agents.<agentId>.ready`): the journal position its model has
 * folded and the networks it serves now. Not a fold of the journal, so not
 * in the read model's snapshot: an API that starts learns it from each
 * agent's next report (one every report interval at the latest); until
 * then its ports show DOWN, which is the safe side.
 */

export interface AgentReadyRow {
  /** The last journal sequence the agent's model has folded. */
  readonly position: number;
  /** The networks it serves now. */
  readonly networks: ReadonlySet<string>;
}

/**
 * A report's body (`{position, networks?}`: a change report names no
 * networks, they are the last full report's), or undefined when it is not
 * one. Pure.
 */
function parseReadyReport(body: unknown): { position: number; networks: ReadonlySet<string> | undefined } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { position, networks } = body as { position?: unknown; networks?: unknown };
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) return undefined;
  if (networks === undefined) return { position, networks: undefined };
  if (!Array.isArray(networks) || !networks.every((n) => typeof n === 'string')) return undefined;
  return { position, networks: new Set(networks as string[]) };
}

export class AgentReadiness {
  readonly #agents = new Map<string, AgentReadyRow>();
  /** Reports dropped because their body was no report. */
  malformed = 0;

  /**
   * Takes agent `agentId`'s report (its raw body); returns the row kept, or
   * undefined for a malformed one (counted, dropped). A report older than
   * the one held (a lower position) does not move the position back; one
   * without networks keeps the held ones (none before a full report).
   */
  report(agentId: string, body: unknown): AgentReadyRow | undefined {
    const report = parseReadyReport(body);
    if (!report) {
      this.malformed++;
      return undefined;
    }
    const held = this.#agents.get(agentId);
    const kept = { position: Math.max(report.position, held?.position ?? 0), networks: report.networks ?? held?.networks ?? new Set<string>() };
    this.#agents.set(agentId, kept);
    return kept;
  }

  /** The position agent `agentId` has folded if it serves `networkId`, else undefined. */
  foldedOn(agentId: string, networkId: string): number | undefined {
    const row = this.#agents.get(agentId);
    return row?.networks.has(networkId) ? row.position : undefined;
  }
}
