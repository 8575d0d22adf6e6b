/**
 * One network per segment across API instances: before a network takes a
 * segment (create, or an update that moves it), the API appends a
 * `SegmentClaimed` to the segment's own subject (`lh.evt.segment.<scope>.<id>`)
 * with the version its read model holds for that subject, as ports claim
 * addresses and MACs (port/writer.ts). Two instances racing for one segment
 * both expect the same version, so the journal lets exactly one claim land;
 * the other answers SEGMENT_IN_USE (or, for an id it picked itself, picks
 * again). The claim is given back when the network is deleted or leaves the
 * segment, and when the network's own write fails after the claim.
 *
 * Networks written before segment claims hold none: the read model's live
 * networks still count (`takenFor`), which is exact within one instance and
 * as fresh as the read model across instances.
 */
import { VersionConflictError, type Journal } from '@leasehold/journal';
import { segmentKey, type NetworkSegment } from '@leasehold/protocol';
import { segmentClaimSubject } from '@leasehold/resources';
import type { CommandContext } from '../command.js';
import { claimEvent } from '../port/writer.js';
import type { ReadModel } from '../read-model/read-model.js';
import { inUse, segmentKeysOf, type SegmentTaken } from './segment.js';

export class SegmentClaims {
  /** Segment subjects this instance is claiming right now: taken for every other request meanwhile. */
  private readonly claiming = new Set<string>();

  constructor(
    private readonly journal: Journal,
    private readonly model: ReadModel,
  ) {}

  /**
   * Whether a segment is another network's, for network `networkId`
   * (undefined for a network being created): a live network on it, a claim
   * in flight here, or a claim held by another network that is not deleted
   * (a claim whose network is not created yet may be a create in flight on
   * another instance, so it holds too).
   */
  takenFor(networkId: string | undefined): SegmentTaken {
    const live = segmentKeysOf(this.liveNetworks(), networkId);
    return (segment) => {
      if (live.has(segmentKey(segment))) return true;
      const subject = segmentClaimSubject(segment);
      if (this.claiming.has(subject)) return true;
      const owner = this.model.segmentClaims.get(subject);
      return owner !== undefined && owner !== networkId && this.model.networks.get(owner)?.value.value !== 'deleted';
    };
  }

  /**
   * Claims `segment` for network `networkId`, unless it holds it already.
   * Throws SEGMENT_IN_USE when another writer's claim landed first (the
   * model has folded it by then, so a new decision sees it).
   */
  async claim(networkId: string, segment: NetworkSegment, ctx: CommandContext): Promise<void> {
    const subject = segmentClaimSubject(segment);
    if (this.model.segmentClaims.get(subject) === networkId) return;
    this.claiming.add(subject);
    try {
      const result = await this.journal.append(subject, [claimEvent('SegmentClaimed', { networkId, ...segment }, ctx)], this.model.claimVersion(subject));
      await this.model.waitFor(result.version);
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      if (error.actualVersion !== undefined) await this.model.waitFor(error.actualVersion);
      throw inUse(segment);
    } finally {
      this.claiming.delete(subject);
    }
  }

  /** Gives `segment` back when network `networkId` holds it; a claim someone else wrote meanwhile is left alone. */
  async release(networkId: string, segment: NetworkSegment, ctx: CommandContext): Promise<void> {
    const subject = segmentClaimSubject(segment);
    if (this.model.segmentClaims.get(subject) !== networkId) return;
    try {
      const result = await this.journal.append(subject, [claimEvent('SegmentReleased', { networkId, ...segment }, ctx)], this.model.claimVersion(subject));
      await this.model.waitFor(result.version);
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }

  private liveNetworks() {
    return [...this.model.networks.values()].flatMap(({ value }) => (value.value === 'active' && value.context.network ? [value.context.network] : []));
  }
}
