/**
 * Writes to a network aggregate (the network and its subnets, one subject:
 * `lh.evt.network.<id>`): decide the events against the state the read model
 * holds, append them with that state's version, and wait until the model
 * has folded them (read-your-writes). A concurrent write is retried on the
 * new state, unless the caller named the revision it expects.
 */
import { VersionConflictError, type Journal } from '@leasehold/journal';
import { networkSubject, type NetworkEnvelope, type NetworkSnapshot } from '@leasehold/resources';
import { ApiError } from '../errors.js';
import type { ReadModel } from '../read-model/read-model.js';

const MAX_CONFLICT_RETRIES = 5;

export class NetworkWriter {
  constructor(
    private readonly journal: Journal,
    private readonly model: ReadModel,
  ) {}

  /**
   * Appends what `decide` returns for network `id` (nothing when it returns
   * no event). `revision`: the version the caller expects, VERSION_CONFLICT
   * on `revision_number` when the network is at another; undefined: retry on
   * a concurrent write, up to five times.
   */
  async write(id: string, revision: number | undefined, decide: (s: NetworkSnapshot | undefined) => NetworkEnvelope[]): Promise<void> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const version = this.model.networkVersion(id);
      if (revision !== undefined && revision !== version) {
        throw new ApiError('VERSION_CONFLICT', `network ${id} is at revision ${version}, not ${revision}`, 'revision_number');
      }
      const events = decide(this.model.networks.get(id)?.value);
      if (events.length === 0) return;
      try {
        const result = await this.journal.append(networkSubject(id), events, version);
        await this.model.waitFor(result.version);
        return;
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        if (revision !== undefined) throw new ApiError('VERSION_CONFLICT', error.message, 'revision_number', { cause: error });
        if (error.actualVersion !== undefined) await this.model.waitFor(error.actualVersion);
      }
    }
    throw new ApiError('VERSION_CONFLICT', `network ${id} kept changing under ${MAX_CONFLICT_RETRIES} attempts; retry`, 'id');
  }
}
