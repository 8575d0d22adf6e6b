/**
 * When a router sends its advertisements (RFC 4861 6.2.4, 6.2.6), as pure
 * functions of the clock and a random number in [0, 1), so tests need no
 * timers. Times are milliseconds.
 */

/** RFC 4861 10: the first advertisements come faster, so hosts on a new link hear one soon. */
export const MAX_INITIAL_RTR_ADVERTISEMENTS = 3;
const MAX_INITIAL_RTR_ADVERT_INTERVAL_MS = 16_000;
/** A solicited advertisement waits a random time up to this, so routers on one link do not answer at once. */
const MAX_RA_DELAY_TIME_MS = 500;
/** Multicast advertisements on one link are at least this far apart. */
export const MIN_DELAY_BETWEEN_RAS_MS = 3_000;

/**
 * MinRtrAdvInterval for a MaxRtrAdvInterval (seconds): a third of it from 9 s
 * up, else three quarters (radvd's and systemd-networkd's reading of RFC
 * 4861 6.2.1), never under the 3 s between multicast advertisements. Pure.
 */
export function minRtrAdvIntervalS(maxS: number): number {
  return Math.max(3, maxS >= 9 ? maxS / 3 : 0.75 * maxS);
}

/**
 * Milliseconds until the next unsolicited advertisement after one was sent,
 * `sent` of them so far: uniform in [MinRtrAdvInterval, MaxRtrAdvInterval],
 * at most 16 s while fewer than three went out (RFC 4861 6.2.4). Pure.
 */
export function unsolicitedDelayMs(sent: number, maxS: number, random: number): number {
  const minS = minRtrAdvIntervalS(maxS);
  const delay = (minS + random * (maxS - minS)) * 1000;
  return sent < MAX_INITIAL_RTR_ADVERTISEMENTS ? Math.min(delay, MAX_INITIAL_RTR_ADVERT_INTERVAL_MS) : delay;
}

/**
 * When to answer a Router Solicitation heard at `now` (RFC 4861 6.2.6): after
 * a random delay up to 500 ms, and no sooner than 3 s after the last
 * multicast advertisement; undefined when the next scheduled one comes
 * first (it answers the solicitation). Pure.
 */
export function solicitedAt(now: number, random: number, lastMulticastAt: number | undefined, nextScheduledAt: number | undefined): number | undefined {
  let at = now + random * MAX_RA_DELAY_TIME_MS;
  if (lastMulticastAt !== undefined) at = Math.max(at, lastMulticastAt + MIN_DELAY_BETWEEN_RAS_MS);
  return nextScheduledAt !== undefined && nextScheduledAt <= at ? undefined : at;
}
