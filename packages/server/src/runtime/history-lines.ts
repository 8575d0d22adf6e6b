/** How the history jobs (snapshots, compaction) read in the operator's log. */
import type { SnapshotNotice } from '@leasehold/journal';

/** Bytes as MB with one decimal. */
export const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
/** A retention as days when whole, else hours. */
export const days = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000} d` : `${(ms / 3_600_000).toFixed(1)} h`);

/** A snapshot notice as the operator reads it (undefined: not worth a line). */
export function snapshotLine(notice: SnapshotNotice): string | undefined {
  const at = (i: { seq: number; at: number; bytes: number }) => `event ${i.seq}, ${new Date(i.at).toISOString()}, ${mb(i.bytes)} MB`;
  switch (notice.kind) {
    case 'loading':
      return `loading snapshot ${notice.info.name} (${at(notice.info)})`;
    case 'restored':
      return `restored snapshot ${notice.info.name} in ${notice.ms.toFixed(0)} ms; replaying the events after ${notice.info.seq}`;
    case 'refused': {
      const r = notice.refusal;
      if (r.reason === 'unreadable') return `snapshot unreadable (${(r.error as Error)?.message ?? String(r.error)}); replaying the journal instead`;
      return `snapshot ${r.info.name} not used: another ${r.reason === 'version' ? `schema version (${r.info.v})` : `configuration (${r.info.fingerprint})`}; replaying the journal instead`;
    }
    case 'restore-failed':
      return `snapshot ${notice.info.name} could not be restored (${(notice.error as Error)?.message ?? String(notice.error)}); replaying the journal instead`;
    case 'history-gap':
      return notice.after === 0
        ? `history before event ${notice.firstRetained} was compacted and no snapshot that holds it can be read yet; trying again (the start fails after a minute rather than serve part of history)`
        : `snapshot at event ${notice.after} is older than the retained history (from ${notice.firstRetained}); trying another`;
    case 'save-failed':
      return `snapshot not stored: ${(notice.error as Error)?.message ?? String(notice.error)} (retried later)`;
    case 'none':
    case 'saved':
      return undefined;
  }
}
