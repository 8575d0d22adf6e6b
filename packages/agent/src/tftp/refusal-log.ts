/**
 * The TFTP server's log of refusals, drops and failed transfers, rate
 * limited as the DHCP transaction log is (log.transaction_rate): a client
 * retrying a forbidden name, or a flood of garbage at port 69, must not fill
 * the disk. Past the bucket, lines are counted and the count is said once a
 * line may go again.
 */
import { TokenBucket } from '@leasehold/protocol';

export class TftpLog {
  readonly #bucket: TokenBucket;
  #suppressed = 0;

  constructor(
    private readonly log: (line: string) => void,
    perSecond = 20,
    private readonly now: () => number = Date.now,
  ) {
    this.#bucket = new TokenBucket({ burst: perSecond, perSecond }, now());
  }

  /** Lines not written since the last one that was. */
  get suppressed(): number {
    return this.#suppressed;
  }

  line(text: string): void {
    if (!this.#bucket.take(this.now())) {
      this.#suppressed++;
      return;
    }
    const skipped = this.#suppressed;
    this.#suppressed = 0;
    this.log(skipped > 0 ? `tftp: ${text} (${skipped} more lines suppressed before this one)` : `tftp: ${text}`);
  }
}
