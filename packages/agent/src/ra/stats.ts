/** Counters of the router advertisement sender, read by /metrics. */

export const raSentKinds = ['unsolicited', 'solicited', 'final'] as const;
export type RaSentKind = (typeof raSentKinds)[number];

/**
 * What became of each Router Solicitation heard: answered (an advertisement
 * is scheduled, or the next one covers it), malformed (the codec refused
 * it), invalid (RFC 4861 6.1.1: a hop limit other than 255, or a source
 * link-layer address from the unspecified address).
 */
export const raSolicitationOutcomes = ['answered', 'malformed', 'invalid'] as const;
export type RaSolicitationOutcome = (typeof raSolicitationOutcomes)[number];

export class RaStats {
  readonly sent: Record<RaSentKind, number> = { unsolicited: 0, solicited: 0, final: 0 };
  readonly solicitations: Record<RaSolicitationOutcome, number> = { answered: 0, malformed: 0, invalid: 0 };
  /** Advertisements the socket did not take whole (a full send buffer, the interface gone). */
  sendErrors = 0;
}
