/** Time travel on a network's page: the network at a chosen moment, replayed from the journal, and what changed since. */
import { useState } from 'preact/hooks';
import type { LeaseRowJson, NetworkAt } from '../../server/shapes.js';
import { getJson, Unauthorized } from '../api.js';
import { agentHref, leaseHref, time } from '../format.js';
import { Badge, Failure, PoolBar, Section } from '../widgets.js';

/** `2026-12-07T14:00:00Z`, `2026-12-07 14:00` (local) or ms since the epoch, as ms; NaN otherwise. Pure. */
function momentOf(text: string): number {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : Date.parse(t.replace(' ', 'T'));
}

function LeaseList({ network, leases }: { network: string; leases: readonly LeaseRowJson[] }) {
  return (
    <ul class="plain">
      {leases.map((l) => (
        <li><a class="mono" href={leaseHref(network, l.ip_address)}>{l.ip_address}</a> {l.mac_address} {l.hostname ?? ''}</li>
      ))}
    </ul>
  );
}

export function TimeTravel({ network, onUnauthorized }: { network: string; onUnauthorized: () => void }) {
  const [text, setText] = useState(() => new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'));
  const [answer, setAnswer] = useState<NetworkAt>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const go = async () => {
    const at = momentOf(text);
    if (!Number.isFinite(at)) {
      setError(new Error(`${text} is not a time: write 2026-12-07T14:00:00Z`));
      return;
    }
    setBusy(true);
    try {
      setAnswer(await getJson<NetworkAt>(`networks/${encodeURIComponent(network)}/at?time=${at}`));
      setError(undefined);
    } catch (e) {
      if (e instanceof Unauthorized) onUnauthorized();
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  const then = answer?.then;
  const diff = answer?.diff;
  return (
    <Section title="Time travel">
      <form class="filters" onSubmit={(e) => { e.preventDefault(); void go(); }}>
        <label>
          moment (UTC ISO 8601, or local YYYY-MM-DD HH:MM)
          <input name="moment" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" disabled={busy}>{busy ? 'Replaying…' : 'Show'}</button>
      </form>
      <Failure error={error} />
      {answer && diff && (
        <div class="travel" aria-live="polite">
          <p class="facts">
            As of {time(answer.at)}: {answer.snapshot ? `snapshot ${answer.snapshot} restored, then ` : ''}{answer.events} events replayed, up to #{answer.seq}.{' '}
            {then ? `${then.ports.length} ports, ${answer.leases.length} leases.` : 'The network did not exist then.'}
          </p>
          {then && then.subnets.map((s) => <PoolBar use={s.use} />)}
          {then && (
            <p class="agents-then">
              DHCP agents then:{' '}
              {then.bindings.length === 0 ? 'none bound' : then.bindings.map((a) => <><a class="mono" href={agentHref(a.id)}>{a.id}</a> <Badge ok={a.alive} yes="alive" no="down" />{' '}</>)}
              {answer.agents.unreachable_physnet !== null && <span class="bad-text"> · no live agent mapped physnet {answer.agents.unreachable_physnet}</span>}
              <span class="quiet"> (liveness as the scheduler folded the heartbeats, from {answer.agents.from})</span>
            </p>
          )}
          <h3>Since then</h3>
          <ul class="plain diff">
            <li>leases added: {diff.leasesAdded.length}</li>
            <li>leases gone: {diff.leasesGone.length}</li>
            <li>leases changed: {diff.leasesChanged.length}</li>
            <li>ports added: {diff.portsAdded.length}, gone: {diff.portsGone.length}</li>
          </ul>
          {diff.leasesAdded.length > 0 && (<><h3>Leases added since</h3><LeaseList network={network} leases={diff.leasesAdded} /></>)}
          {diff.leasesGone.length > 0 && (<><h3>Leases gone since</h3><LeaseList network={network} leases={diff.leasesGone} /></>)}
          {answer.leases.length > 0 && (<><h3>Leases then</h3><LeaseList network={network} leases={answer.leases} /></>)}
        </div>
      )}
    </Section>
  );
}
